import type { SwitchyardMetrics } from '../metrics/switchyard-metrics.ts';
import { DUE_COUNT_CAP, type DueDestination } from '../store/delivery-queue.ts';
import type { Store } from '../store/store.ts';

const FULL_COUNT_MS = 5_000;
/** The soonest a commit makes the worker read the due counts again after the last time. */
export const NUDGE_LOOK_MS = 5;

export interface DueCountOptions {
  /** How long counts are trusted while the claims since have not used them up. */
  readonly refreshDueMs: number;
  /** Counted only as far as one claim could take (slots × run or batch size). */
  readonly claimCap: number;
  /** A batch destination claims only this many at once (until its wait is over). */
  readonly batchSize: number;
}

/**
 * The destinations with deliveries due, and how many: read from the store, then trusted for refreshDueMs and
 * lowered as claims take from them. Re-reading per commit would cost more than it saves while the counts
 * show work to claim; once a committed destination has less than a batch counted (it had drained, or is
 * new), they are read again at once — a burst of commits sharing one look per NUDGE_LOOK_MS. Waiting out
 * refreshDueMs instead left a destination that had caught up idle with its slots free (~190 ms each time,
 * and every time a fast one caught up beside a slow one).
 */
export class DueCounts {
  private list: DueDestination[] = [];
  private lookedAt = 0;
  private lookAt = 0;
  private fullCountAt = 0;

  constructor(
    private readonly store: Store,
    private readonly options: DueCountOptions,
    private readonly metrics?: SwitchyardMetrics,
  ) {}

  /** The counts, read again first when they are old or a look was asked for. */
  async current(now: number): Promise<readonly DueDestination[]> {
    if (now < this.lookAt) return this.list;
    // Counted only as far as one claim could take, so that a slow destination's backlog is not walked to
    // DUE_COUNT_CAP every look; further every few seconds, for the queue-depth metric.
    const full = now - this.fullCountAt >= FULL_COUNT_MS;
    this.list = await this.store.deliveries.dueDestinations(
      now,
      full ? DUE_COUNT_CAP : this.options.claimCap,
    );
    this.lookedAt = now;
    this.lookAt = now + this.options.refreshDueMs;
    if (full) {
      this.fullCountAt = now;
      this.metrics?.queueDepth.set(this.list.reduce((n, d) => n + d.due, 0));
    }
    return this.list;
  }

  /** How long the worker may sleep before a look that was asked for. */
  msUntilLook(now: number): number {
    return Math.max(NUDGE_LOOK_MS, this.lookAt - now);
  }

  /** New work was committed for these destinations (all of them, when not given). */
  committed(destinationIds?: Iterable<string>): void {
    if (destinationIds === undefined || this.uncounted(destinationIds)) this.lookSoon();
  }

  /**
   * A claim took `claimed` of `limit` from this destination. What is left stays counted until the next look:
   * counted again from the last look, it would make a later claim take the leftovers of a batch as a batch of
   * their own before their wait is over. `batch`: the destination claims whole batches.
   */
  took(due: DueDestination, claimed: number, limit: number, batch: boolean): void {
    this.list =
      claimed < limit
        ? this.list.filter((d) => d !== due)
        : this.list.map((d) => (d === due ? { ...d, due: d.due - claimed } : d));
    // Claims took what was counted (counts stop at a cap): there may be more, with no commit to say so.
    if (claimed === limit && due.due - claimed < (batch ? this.options.batchSize : 1)) this.lookSoon();
  }

  private uncounted(destinationIds: Iterable<string>): boolean {
    for (const id of destinationIds) {
      // Less than a batch counted: a batch destination could not claim it (others can; a look is cheap).
      if (!this.list.some((d) => d.destinationId === id && d.due >= this.options.batchSize)) return true;
    }
    return false;
  }

  private lookSoon(): void {
    this.lookAt = Math.min(this.lookAt, this.lookedAt + NUDGE_LOOK_MS);
  }
}
