// Brute-force protection for sign-in: failed attempts counted per account and per client address in a
// sliding window. In memory, per process: an attacker spreading over several processes gets each one's
// allowance, which still bounds guesses to a handful per minute.

export interface SignInLimits {
  readonly windowMs: number;
  /** Failures per account within the window before that account's sign-ins are refused. */
  readonly perAccount: number;
  /** Failures per client address within the window. */
  readonly perAddress: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 20 };

export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until this account or address may try again; 0 when it may now. */
  retryAfterMs(email: string, address: string): number {
    return Math.max(
      this.wait(`account:${email.toLowerCase()}`, this.limits.perAccount),
      this.wait(`address:${address}`, this.limits.perAddress),
    );
  }

  recordFailure(email: string, address: string): void {
    for (const key of [`account:${email.toLowerCase()}`, `address:${address}`]) {
      const times = this.recent(key);
      times.push(this.now());
      this.failures.set(key, times);
    }
    if (this.failures.size > 100_000) this.prune();
  }

  /** A successful sign-in clears the account's failures (not the address's). */
  recordSuccess(email: string): void {
    this.failures.delete(`account:${email.toLowerCase()}`);
  }

  private wait(key: string, allowed: number): number {
    const times = this.recent(key);
    if (times.length < allowed) return 0;
    return times[times.length - allowed]! + this.limits.windowMs - this.now();
  }

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    return (this.failures.get(key) ?? []).filter((time) => time > since);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}
