// A workspace's monthly execution-time limit: once its functions have run that long this month, its
// deliveries wait (pending, nothing dropped) until the limit is raised or the month turns.
import type { Store } from '../store/store.ts';

/** Midnight UTC on the first of the month. */
export function monthStart(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export interface UsageStanding {
  readonly limitMs: number | null;
  readonly usedMs: number;
  readonly exceeded: boolean;
}

/** This month's execution time against the workspace's limit (for the usage report). */
export async function usageStanding(store: Store, workspaceId: string, now: number): Promise<UsageStanding> {
  return measure(store, workspaceId, now, await limitOf(store, workspaceId));
}

/**
 * The standing when the workspace is over its limit; undefined otherwise. Without a limit nothing is added up:
 * the worker and every stats request ask this, and most workspaces have none.
 */
export async function overLimit(
  store: Store,
  workspaceId: string,
  now: number,
): Promise<UsageStanding | undefined> {
  const limitMs = await limitOf(store, workspaceId);
  if (limitMs === null) return undefined;
  const standing = await measure(store, workspaceId, now, limitMs);
  return standing.exceeded ? standing : undefined;
}

async function limitOf(store: Store, workspaceId: string): Promise<number | null> {
  return (await store.access.getWorkspace(workspaceId))?.usageLimitMs ?? null;
}

/**
 * This month's execution time up to the start of the current hour, per store and workspace: those counters
 * never change once their hour is over, and adding up a whole month of per-minute counters at every check
 * (every few seconds, per workspace) would cost more each day of the month.
 */
const completedHours = new WeakMap<Store, Map<string, { from: number; until: number; ms: number }>>();

async function measure(
  store: Store,
  workspaceId: string,
  now: number,
  limitMs: number | null,
): Promise<UsageStanding> {
  const from = monthStart(now);
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  let known = completedHours.get(store);
  if (known === undefined) {
    known = new Map<string, { from: number; until: number; ms: number }>();
    completedHours.set(store, known);
  }
  let past = known.get(workspaceId);
  if (past === undefined || past.from !== from || past.until !== hour) {
    past = { from, until: hour, ms: await store.deliveryLog.executionMsSince(workspaceId, from, hour) };
    known.set(workspaceId, past);
  }
  const usedMs = past.ms + (await store.deliveryLog.executionMsSince(workspaceId, Math.max(from, hour)));
  return { limitMs, usedMs, exceeded: limitMs !== null && usedMs >= limitMs };
}

const HOUR_MS = 3_600_000;

/** The worker's view, re-read every few seconds per workspace: limits are coarse, checks must be cheap. */
export class UsageGate {
  private readonly cache = new Map<string, { checked: number; paused: boolean }>();

  constructor(
    private readonly store: Store,
    private readonly freshMs: number,
  ) {}

  async paused(workspaceId: string, now: number): Promise<boolean> {
    const hit = this.cache.get(workspaceId);
    if (hit && now - hit.checked < this.freshMs) return hit.paused;
    const paused = (await overLimit(this.store, workspaceId, now)) !== undefined;
    this.cache.set(workspaceId, { checked: now, paused });
    return paused;
  }
}

/** What the Event Delivery view says while a workspace is over its limit. */
export function pausedReason(standing: UsageStanding): string {
  return `paused: this month's execution-time limit of ${standing.limitMs} ms is used up (${standing.usedMs} ms); deliveries wait until the limit is raised or the month ends`;
}
