import type { EventResult, InvocationResult } from '../runtime/invocation-result.ts';
import type { ClaimedDelivery, Settlement } from '../store/delivery-queue.ts';

/** Segment's window: 9 retries over about 4 hours, growing (research/pipeline.md §4.4). */
export const SEGMENT_RETRY_SCHEDULE_MS: readonly number[] = [
  10_000, 30_000, 60_000, 180_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 5_100_000,
];
/** A destination asking to wait longer than this (Retry-After) is retried after this anyway. */
/** The longest a 429's Retry-After defers a delivery, or pauses its destination. */
export const MAX_THROTTLE_MS = 15 * 60_000;

export interface SettleOptions {
  readonly now: number;
  readonly schedule: readonly number[];
  /** Share of successful attempts whose logs and requests are kept (failures are always kept). */
  readonly successSample: number;
  readonly random: () => number;
  /** Whether this delivery's success is kept, when drawn before the invocation (the runtime then leaves out what is not). */
  readonly sampled?: boolean | undefined;
}

/**
 * The one place where an invocation's outcome becomes a delivery's next state:
 * - delivered → delivered; discarded → discarded with its category;
 * - retry after a 429 with Retry-After → pending at that time, without spending an attempt;
 * - retry → pending after the schedule's next delay ±10%, or dead once the schedule is used up.
 */
export function settleOutcome(
  delivery: ClaimedDelivery,
  result: Pick<InvocationResult, 'logs' | 'requests' | 'retryAfterMs'> & EventResult,
  durationMs: number,
  options: SettleOptions,
): Settlement {
  const { now } = options;
  const throttled = result.status === 'retry' && result.retryAfterMs !== undefined;
  const attempts = throttled ? delivery.attempts : delivery.attempts + 1;
  // No NUL characters: Postgres refuses them in text, which would refuse the whole settlement group.
  const error = result.error
    ? `${result.error.name}: ${result.error.message}`.replaceAll('\u0000', '').slice(0, 2_000)
    : null;
  let state: Settlement['state'];
  let runAt = now;
  if (result.status === 'delivered') state = 'delivered';
  else if (result.status === 'discarded') state = 'discarded';
  else if (throttled) {
    state = 'pending';
    runAt = now + Math.min(result.retryAfterMs, MAX_THROTTLE_MS);
  } else if (attempts > options.schedule.length) {
    state = 'dead';
  } else {
    state = 'pending';
    const delay = options.schedule[attempts - 1]!;
    runAt = now + Math.round(delay * (0.9 + 0.2 * options.random()));
  }
  const outcome = throttled ? 'throttled' : state === 'pending' ? 'retry' : state;
  // None for a delivery: Event Delivery's category filter does not look among delivered ones (delivery-page.ts).
  const category = state === 'delivered' ? null : (result.category ?? null);
  const keepLog = state !== 'delivered' || (options.sampled ?? options.random() < options.successSample);
  return {
    id: delivery.id,
    leaseUntil: delivery.leaseUntil,
    eventId: delivery.eventId,
    destinationId: delivery.destinationId,
    state,
    runAt,
    attempts,
    category,
    error,
    attempt: keepLog
      ? {
          number: throttled ? delivery.attempts : attempts,
          startedAt: now - Math.round(durationMs),
          durationMs,
          outcome,
          category,
          error,
          logs: JSON.stringify(result.logs),
          requests: JSON.stringify(result.requests),
        }
      : undefined,
    count: { outcome: outcome === 'throttled' ? 'retry' : outcome, category: category ?? '', durationMs },
  };
}
