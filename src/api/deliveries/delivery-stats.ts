import type { CountRow } from '../../store/delivery-log-repository.ts';

export const WINDOWS = {
  '1h': [3_600_000, 60_000],
  '24h': [86_400_000, 3_600_000],
  '7d': [604_800_000, 21_600_000],
} as const;
export type StatsWindow = keyof typeof WINDOWS;

interface Tally {
  delivered: number;
  retry: number;
  discarded: Record<string, number>;
  dead: number;
  filtered: number;
}

const empty = (): Tally => ({ delivered: 0, retry: 0, discarded: {}, dead: 0, filtered: 0 });

function add(tally: Tally, row: CountRow): void {
  if (row.outcome === 'discarded')
    tally.discarded[row.category] = (tally.discarded[row.category] ?? 0) + row.count;
  else if (
    row.outcome === 'delivered' ||
    row.outcome === 'retry' ||
    row.outcome === 'dead' ||
    row.outcome === 'filtered'
  ) {
    tally[row.outcome] += row.count;
  }
}

/** Counts per bucket for the Event Delivery chart, totals, execution time (what Segment bills), and health. */
export function summarise(rows: readonly CountRow[], window: StatsWindow, now: number) {
  const [span, bucketMs] = WINDOWS[window];
  const start = Math.floor((now - span) / bucketMs) * bucketMs;
  const buckets = new Map<number, Tally>();
  for (let at = start; at <= now; at += bucketMs) buckets.set(at, empty());
  const totals = empty();
  let executionMs = 0;
  for (const row of rows) {
    const bucket = buckets.get(Math.floor(row.minute / bucketMs) * bucketMs);
    if (bucket) add(bucket, row);
    add(totals, row);
    executionMs += row.durationMs;
  }
  return {
    window,
    bucketMs,
    buckets: [...buckets].map(([at, tally]) => ({ start: new Date(at).toISOString(), ...tally })),
    totals,
    executionMs,
    health: health(rows.filter((r) => r.minute >= now - 15 * 60_000)),
  };
}

/**
 * Connection health from the last 15 minutes of attempts: failing when most fail, degraded when some do.
 * Filtered events are not attempts and do not count.
 */
export function health(rows: readonly CountRow[]): {
  status: 'healthy' | 'degraded' | 'failing';
  errorRate: number;
  reason: string;
} {
  let attempts = 0;
  let failures = 0;
  const reasons = new Map<string, number>();
  for (const row of rows) {
    if (row.outcome === 'filtered') continue;
    attempts += row.count;
    if (row.outcome !== 'delivered') {
      failures += row.count;
      const reason = row.outcome === 'discarded' ? row.category : row.outcome;
      reasons.set(reason, (reasons.get(reason) ?? 0) + row.count);
    }
  }
  const errorRate = attempts === 0 ? 0 : failures / attempts;
  const top = [...reasons].sort((a, b) => b[1] - a[1])[0];
  const reason = top
    ? `${Math.round(errorRate * 100)}% of ${attempts} attempts failed in 15 min, mostly ${top[0]}`
    : attempts === 0
      ? 'no attempts in 15 min'
      : 'no failures in 15 min';
  if (attempts >= 10 && errorRate >= 0.5) return { status: 'failing', errorRate, reason };
  if (attempts > 0 && errorRate >= 0.05) return { status: 'degraded', errorRate, reason };
  return { status: 'healthy', errorRate, reason };
}
