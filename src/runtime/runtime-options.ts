import type { OutboundLimits } from './fetch/outbound-http.ts';
import type { SandboxLimits } from './sandbox/sandbox-isolate.ts';

export interface RuntimeOptions {
  /** Wall-clock limit of one invocation (Segment's is 5 s). */
  readonly timeoutMs: number;
  readonly sandbox: SandboxLimits;
  readonly outbound: OutboundLimits;
  /** Hosts/CIDRs functions may fetch although private or loopback (SWITCHYARD_FETCH_ALLOW). */
  readonly fetchAllow: readonly string[];
  /** Warm instances kept; the least recently used beyond this are unloaded. */
  readonly maxInstances: number;
  /** An instance unused this long is unloaded. */
  readonly idleMs: number;
  /** Isolates one instance may run at once (concurrent invocations of the same destination). */
  readonly maxIsolatesPerInstance: number;
  /** Invocations that may queue for a busy instance before the next is refused with a retry. */
  readonly maxWaitingPerInstance: number;
}

export const DEFAULT_RUNTIME_OPTIONS: RuntimeOptions = {
  timeoutMs: 5_000,
  sandbox: {
    memoryMb: 128,
    loadTimeoutMs: 1_000,
    maxLogLines: 100,
    maxLogBytes: 32 * 1024,
    maxLogLineBytes: 4 * 1024,
    maxCacheEntries: 1_000,
    maxBatchSize: 400,
  },
  outbound: {
    requestTimeoutMs: 5_000,
    maxRequestBodyBytes: 5 * 1024 * 1024,
    maxResponseBodyBytes: 5 * 1024 * 1024,
    maxRedirects: 5,
    maxRequestsPerInvocation: 50,
  },
  fetchAllow: [],
  maxInstances: 1_000,
  idleMs: 10 * 60_000,
  maxIsolatesPerInstance: 8,
  maxWaitingPerInstance: 1_000,
};

/** Defaults with some values replaced (tests and the CLI shrink limits). */
export function runtimeOptions(
  overrides: Partial<Omit<RuntimeOptions, 'sandbox' | 'outbound'>> & {
    sandbox?: Partial<RuntimeOptions['sandbox']>;
    outbound?: Partial<RuntimeOptions['outbound']>;
  } = {},
): RuntimeOptions {
  return {
    ...DEFAULT_RUNTIME_OPTIONS,
    ...overrides,
    sandbox: { ...DEFAULT_RUNTIME_OPTIONS.sandbox, ...overrides.sandbox },
    outbound: { ...DEFAULT_RUNTIME_OPTIONS.outbound, ...overrides.outbound },
    fetchAllow: overrides.fetchAllow ?? DEFAULT_RUNTIME_OPTIONS.fetchAllow,
  };
}
