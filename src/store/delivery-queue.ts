// The delivery queue's port: what ingest writes and workers claim and settle. Hot path: each dialect
// implements it with raw statements (sqlite/, postgres/).

/** A delivery to create with its event in the ingest transaction. */
export interface NewDelivery {
  readonly destinationId: string;
  /** The event after the destination's filters, when they changed it; null: the stored event as it is. */
  readonly payload: string | null;
}

/** Events a destination's filters (or the event's integrations object) kept from it, counted per minute. */
export interface FilteredCount {
  readonly destinationId: string;
  readonly count: number;
}

export interface ClaimedDelivery {
  readonly id: number;
  readonly eventId: number;
  readonly destinationId: string;
  /** Attempts spent so far (not counting deferrals after a 429). */
  readonly attempts: number;
  /** The event as the function receives it; empty when claimed without bodies. */
  readonly body: string;
  /** The event's type when `body` is the stored event as it is (not rewritten by filters): no parse needed. */
  readonly type?: string | null | undefined;
  readonly createdAt: number;
  /** The claim's lease: its settlement applies only while the delivery still holds this very lease. */
  readonly leaseUntil: number;
}

export interface AttemptRecord {
  readonly number: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: string;
  readonly category: string | null;
  readonly error: string | null;
  readonly logs: string | null;
  readonly requests: string | null;
}

/** How one claimed delivery ends this round. */
export interface Settlement {
  readonly id: number;
  /**
   * The lease it was claimed under. A settlement that comes after that lease lapsed — even when the delivery
   * has been claimed again since, under a later lease — changes nothing.
   */
  readonly leaseUntil: number;
  readonly eventId: number;
  readonly destinationId: string;
  readonly state: 'delivered' | 'pending' | 'discarded' | 'dead';
  /** When a pending delivery is due again. */
  readonly runAt: number;
  readonly attempts: number;
  readonly category: string | null;
  readonly error: string | null;
  /** The Event Delivery log entry; undefined for a success that was not sampled. */
  readonly attempt?: AttemptRecord | undefined;
  /** What the charts count: the outcome of this attempt and its execution time. */
  readonly count:
    { readonly outcome: string; readonly category: string; readonly durationMs: number } | undefined;
}

export interface DueDestination {
  readonly destinationId: string;
  /** Deliveries due now, counted up to the cap asked for (or DUE_COUNT_CAP): enough to fill a claim. */
  readonly due: number;
  /** When the longest-waiting due delivery became due (onBatch waits up to 10 s to fill a batch). */
  readonly oldest: number;
}

/** Counting a destination's whole backlog on every look for work would cost time in its size. */
export const DUE_COUNT_CAP = 10_000;

/**
 * Destinations with deliveries due: one index seek per destination that has pending deliveries (a loose
 * scan of deliveries_due), and per destination a count that stops at the cap — the cost stays the same
 * however long a backlog grows. Parameters: now, the cap.
 */
export const DUE_DESTINATIONS_SQL = `
  WITH RECURSIVE d(id) AS (
    SELECT min(destination_id) FROM deliveries WHERE state = 'pending'
    UNION ALL
    SELECT (SELECT min(destination_id) FROM deliveries WHERE state = 'pending' AND destination_id > d.id)
    FROM d WHERE d.id IS NOT NULL
  )
  SELECT id AS "destinationId", due, oldest FROM (
    SELECT d.id,
      (SELECT count(*) FROM (SELECT 1 FROM deliveries
                             WHERE destination_id = d.id AND state = 'pending' AND run_at <= $1 LIMIT $2) AS c) AS due,
      (SELECT min(run_at) FROM deliveries WHERE destination_id = d.id AND state = 'pending') AS oldest
    FROM d WHERE d.id IS NOT NULL
  ) AS x WHERE due > 0`;

export interface DeliveryQueue {
  /**
   * Destinations with deliveries due now, and how many, counted up to `cap`: the count walks the due index,
   * so a destination with a long backlog (a slow API) costs every look as much as the cap.
   */
  dueDestinations(now: number, cap?: number): Promise<DueDestination[]>;
  /**
   * Leases up to `limit` due deliveries of one destination until `leaseUntil`, oldest first. `bodies` false:
   * without their events' JSON, for an invoker that reads them itself (Invoker.readsStore); a store may
   * return them anyway.
   */
  claim(
    destinationId: string,
    limit: number,
    now: number,
    leaseUntil: number,
    bodies?: boolean,
  ): Promise<ClaimedDelivery[]>;
  /** Records outcomes, attempts and counters in one transaction. */
  settle(settlements: readonly Settlement[]): Promise<void>;
  /**
   * Returns deliveries whose lease ran out (their worker died) to pending, and quarantines as dead those that
   * have now crashed their worker `maxCrashes` times.
   */
  reapExpiredLeases(now: number, maxCrashes: number): Promise<{ returned: number; quarantined: number }>;
}

/** Counter buckets are whole minutes. */
export const minuteOf = (time: number): number => Math.floor(time / 60_000) * 60_000;

export interface CountSum {
  readonly destinationId: string;
  readonly outcome: string;
  readonly category: string;
  count: number;
  duration: number;
}

/**
 * Counters summed per (destination, outcome, category): one upsert per group, not one per delivery. In key
 * order, so that workers settling at once lock the same counter rows in the same order (no deadlock).
 */
export function sumCounts(settlements: readonly Settlement[]): CountSum[] {
  const sums = new Map<string, CountSum>();
  for (const s of settlements) {
    if (!s.count) continue;
    const key = `${s.destinationId}\u0000${s.count.outcome}\u0000${s.count.category}`;
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = {
        destinationId: s.destinationId,
        outcome: s.count.outcome,
        category: s.count.category,
        count: 0,
        duration: 0,
      };
      sums.set(key, sum);
    }
    sum.count++;
    sum.duration += Math.round(s.count.durationMs);
  }
  return [...sums.keys()].sort().map((key) => sums.get(key)!);
}
