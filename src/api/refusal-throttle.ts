// How often a refused credential is written to the audit trail. A client left running with a revoked token
// retries for ever: one trail row per request would bury everything else in its workspace's trail.

/** One row per credential per window; the row after a quiet spell says how many refusals it stands for. */
export class RefusalThrottle {
  private readonly last = new Map<string, { at: number; unrecorded: number }>();

  constructor(
    private readonly windowMs = 10 * 60_000,
    /** Credentials remembered at once; the oldest is forgotten first (and so recorded again sooner). */
    private readonly capacity = 10_000,
  ) {}

  /**
   * Whether this refusal is to be recorded, and if so how many refusals of the same credential since the
   * last recorded one were not; undefined means leave it out.
   */
  admit(key: string, now: number): { unrecorded: number } | undefined {
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.windowMs) {
      seen.unrecorded++;
      return undefined;
    }
    this.last.delete(key); // re-inserted last: the Map's order is the order of the last recording
    this.last.set(key, { at: now, unrecorded: 0 });
    if (this.last.size > this.capacity) this.last.delete(this.last.keys().next().value!);
    return { unrecorded: seen?.unrecorded ?? 0 };
  }

  /** The recording it admitted did not happen (the write failed): the next refusal is recorded. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
