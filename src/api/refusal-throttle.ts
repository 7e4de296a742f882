// How often a refused credential is written to the audit trail. A client left running with a revoked token
// retries for ever: one trail row per request would bury everything else in its workspace's trail.

/** Refusals of one credential that no trail row has counted yet, with the last of them. */
export interface UnrecordedRefusals<T> {
  readonly key: string;
  readonly count: number;
  readonly last: T;
}

interface Entry<T> {
  /** When the last recorded refusal was admitted: the window runs from here. */
  at: number;
  unrecorded: number;
  last: T | undefined;
}

/**
 * One row per credential per window. The refusals a window held back are counted either by the next
 * recorded row (`admit` says how many) or, when the client stopped, by `takeUnrecorded` once the window
 * has ended, so that every refusal is counted exactly once.
 */
export class RefusalThrottle<T = undefined> {
  private readonly last = new Map<string, Entry<T>>();
  /** Counts no longer in `last` (forgotten for room, after a failed write), handed out by the next take. */
  private readonly evicted: UnrecordedRefusals<T>[] = [];

  constructor(
    private readonly windowMs = 10 * 60_000,
    /** Credentials remembered at once; the oldest is forgotten first (and so recorded again sooner). */
    private readonly capacity = 10_000,
  ) {}

  /**
   * Whether this refusal is to be recorded, and if so how many refusals of the same credential since the
   * last recorded one were not; undefined means leave it out (it is counted later). `detail` describes this
   * refusal, for the row that counts it if it is held back.
   */
  admit(key: string, now: number, detail?: T): { unrecorded: number } | undefined {
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.windowMs) {
      seen.unrecorded++;
      seen.last = detail;
      return undefined;
    }
    this.last.delete(key); // re-inserted last: the Map's order is the order of the last recording
    this.last.set(key, { at: now, unrecorded: 0, last: undefined });
    if (this.last.size > this.capacity) {
      const [oldest, entry] = this.last.entries().next().value!;
      this.last.delete(oldest);
      this.keepCount(oldest, entry);
    }
    return { unrecorded: seen?.unrecorded ?? 0 };
  }

  /**
   * The recording it admitted did not happen (the write failed): the next refusal is recorded. Refusals held
   * back since are still counted.
   */
  forget(key: string): void {
    const entry = this.last.get(key);
    this.last.delete(key);
    if (entry !== undefined) this.keepCount(key, entry);
  }

  /**
   * Held-back refusals to record now, each handed out once: those of credentials whose window has ended
   * (the client stopped, so no next row will count them), or all of them when `all` (shutting down).
   */
  takeUnrecorded(now: number, all = false): UnrecordedRefusals<T>[] {
    for (const [key, entry] of this.last) {
      if (!all && now - entry.at < this.windowMs) continue;
      // Counted: a refusal after this starts a window of its own and is recorded at once.
      if (entry.unrecorded > 0) this.last.delete(key);
      this.keepCount(key, entry);
    }
    return this.evicted.splice(0);
  }

  /** A credential's held-back refusals, if any, for the next `takeUnrecorded`. */
  private keepCount(key: string, entry: Entry<T>): void {
    if (entry.unrecorded > 0) this.evicted.push({ key, count: entry.unrecorded, last: entry.last! });
  }
}
