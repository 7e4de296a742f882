import type { EventRow } from '../store/store.ts';

/** Thrown by submit when too many events already wait for their commit: answer 503 + Retry-After. */
export class SaturatedError extends Error {
  override name = 'SaturatedError';
}

export class ClosedError extends Error {
  override name = 'ClosedError';
}

interface Waiter {
  readonly rows: readonly EventRow[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitterOptions {
  /** Events queued or committing above which submit refuses (backpressure). */
  readonly maxPendingEvents: number;
  /** Largest group committed in one transaction; bounds how long one commit blocks. */
  readonly maxGroupEvents: number;
  /** Groups being written at once (default 2): the next group's insert overlaps this one's fsync. */
  readonly maxGroupsInFlight?: number;
}

/**
 * Group commit: requests that arrive while a commit is being prepared or running share the next
 * transaction, and each request's promise settles only when the transaction holding its rows is durable.
 * One transaction per request is 4–10× slower (research/pipeline.md §3).
 *
 * Two groups are written at once. A write is an insert (CPU on this thread) and then a wait for the disk
 * (SQLite's WAL fsync on the thread pool, or Postgres's commit): one after the other, the next group's insert
 * waited for the last group's fsync, and the loop sat idle for both. On SQLite the inserts still run one at
 * a time (they are synchronous), and the fsync that follows the second covers both.
 */
export class GroupCommitter {
  private queue: Waiter[] = [];
  private pendingEvents = 0;
  private writing = 0;
  private scheduled = false;
  private closed = false;
  private idle: (() => void)[] = [];
  private readonly lanes: number;
  /** Called after each successful commit with the number of new events (the pipeline wakes its workers). */
  afterCommit: ((stored: number) => void) | undefined;

  constructor(
    private readonly write: (rows: readonly EventRow[]) => Promise<number>,
    private readonly options: GroupCommitterOptions,
  ) {
    this.lanes = Math.max(1, options.maxGroupsInFlight ?? 2);
  }

  /** Events accepted but not yet committed. */
  get pending(): number {
    return this.pendingEvents;
  }

  submit(rows: readonly EventRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('ingest is shutting down'));
    if (this.pendingEvents + rows.length > this.options.maxPendingEvents && this.pendingEvents > 0) {
      return Promise.reject(new SaturatedError(`${this.pendingEvents} events are waiting to be stored`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.pendingEvents += rows.length;
      this.schedule();
    });
  }

  /** Stops accepting and resolves once everything already accepted is committed (or failed). */
  async close(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.settleIdle();
    });
  }

  /** setImmediate, not a microtask: requests whose bodies arrive in this turn of the loop join the group. */
  private schedule(): void {
    if (this.scheduled || this.writing >= this.lanes || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.writing < this.lanes && this.queue.length > 0) void this.commit(this.takeGroup());
      this.settleIdle();
    });
  }

  private async commit(group: Waiter[]): Promise<void> {
    this.writing++;
    const rows = group.length === 1 ? group[0]!.rows : group.flatMap((w) => w.rows);
    try {
      const stored = await this.write(rows);
      for (const waiter of group) waiter.resolve();
      this.afterCommit?.(stored);
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
    } finally {
      this.pendingEvents -= rows.length;
      this.writing--;
      this.schedule();
      this.settleIdle();
    }
  }

  private settleIdle(): void {
    if (this.writing > 0 || this.queue.length > 0 || this.scheduled) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private takeGroup(): Waiter[] {
    let events = 0;
    let count = 0;
    // Always take at least one request, even one larger than maxGroupEvents.
    while (count < this.queue.length) {
      const size = this.queue[count]!.rows.length;
      if (count > 0 && events + size > this.options.maxGroupEvents) break;
      events += size;
      count++;
    }
    return this.queue.splice(0, count);
  }
}
