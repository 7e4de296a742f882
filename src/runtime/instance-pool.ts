import { SandboxIsolate, type SandboxLimits, UserCodeError } from './sandbox/sandbox-isolate.ts';

/**
 * The isolates of one (instance, version, settings): at most `maxIsolates`, each running one invocation at
 * a time — as Segment's Lambda containers do — so that console lines, requests and CPU time belong to exactly
 * one invocation. Module-level state lives per isolate and persists across its invocations. A pool never
 * shares an isolate with another instance.
 */
export class InstancePool {
  private readonly idle: SandboxIsolate[] = [];
  private readonly waiters: ((sandbox: SandboxIsolate | Error) => void)[] = [];
  private size = 0;
  private broken: UserCodeError | undefined;
  private closed = false;
  lastUsed = Date.now();

  constructor(
    private readonly code: string,
    private readonly limits: SandboxLimits,
    private readonly maxIsolates: number,
    private readonly maxWaiters: number,
  ) {}

  get busy(): boolean {
    return this.size > this.idle.length || this.waiters.length > 0;
  }

  get isolates(): number {
    return this.size;
  }

  /** An isolate for one invocation (cold when new). Throws UserCodeError for code that cannot run. */
  async acquire(): Promise<{ sandbox: SandboxIsolate; cold: boolean }> {
    this.lastUsed = Date.now();
    if (this.broken) throw this.broken;
    const ready = this.idle.pop();
    if (ready) return { sandbox: ready, cold: false };
    if (this.size < this.maxIsolates) {
      this.size++;
      try {
        return { sandbox: SandboxIsolate.create(this.code, this.limits), cold: true };
      } catch (error) {
        this.size--;
        // Code that does not compile never will: remember it rather than compile it per event.
        if (error instanceof UserCodeError && error.kind === 'syntax') this.broken = error;
        throw error;
      }
    }
    if (this.waiters.length >= this.maxWaiters)
      throw new Error('too many invocations are waiting for this instance');
    const next = await new Promise<SandboxIsolate | Error>((resolve) => this.waiters.push(resolve));
    if (next instanceof Error) throw next;
    return next.disposed ? this.acquire() : { sandbox: next, cold: false };
  }

  /** Returns the isolate after an invocation; a disposed one (timeout, memory) is dropped and rebuilt later. */
  release(sandbox: SandboxIsolate): void {
    this.lastUsed = Date.now();
    if (this.closed) sandbox.dispose();
    if (sandbox.disposed) {
      this.size--;
      const waiter = this.waiters.shift();
      if (waiter && !this.closed) {
        this.size++;
        try {
          waiter(SandboxIsolate.create(this.code, this.limits));
        } catch (error) {
          this.size--;
          waiter(error as Error);
        }
      }
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(sandbox);
    else this.idle.push(sandbox);
  }

  /** Idle isolates beyond the first are let go after a quiet period; memory follows load. */
  shrink(): void {
    while (this.idle.length > 1) {
      this.idle.shift()!.dispose();
      this.size--;
    }
  }

  dispose(): void {
    this.closed = true;
    for (const sandbox of this.idle) sandbox.dispose();
    this.size -= this.idle.length;
    this.idle.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter(new Error('the instance was unloaded'));
  }
}
