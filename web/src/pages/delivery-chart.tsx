// Event Delivery's chart: outcomes per time bucket, stacked, with a time axis and a legend. Discards are split
// by category (each its own colour), as Segment's Event Delivery shows them.
import { useEffect, useRef, useState } from 'react';

export interface Bucket {
  start: string;
  delivered: number;
  retry: number;
  discarded: Record<string, number>;
  dead: number;
  filtered: number;
}

const SERIES = [
  ['delivered', '#2e7d32'],
  ['retry', '#f9a825'],
  ['discarded', '#c62828'],
  ['dead', '#4a148c'],
  ['filtered', '#90a4ae'],
] as const;
/** Each discard category gets its own shade, so the chart tells them apart as the legend does. */
const DISCARD_COLORS = ['#c62828', '#ef6c00', '#ad1457', '#6d4c41', '#e53935', '#ff8a65', '#8e24aa'];

interface Series {
  key: string;
  label: string;
  color: string;
  value(bucket: Omit<Bucket, 'start'>): number;
}

/** delivered, retry, one series per discard category seen, dead, filtered. */
function seriesOf(stats: { buckets: Bucket[]; totals: Omit<Bucket, 'start'> }): Series[] {
  const categories = [
    ...new Set([
      ...Object.keys(stats.totals.discarded),
      ...stats.buckets.flatMap((b) => Object.keys(b.discarded)),
    ]),
  ].sort();
  return SERIES.flatMap(([key, color]): Series[] =>
    key === 'discarded'
      ? categories.map((category, i) => ({
          key: `discarded:${category}`,
          label: `discarded ${category}`,
          color: DISCARD_COLORS[i % DISCARD_COLORS.length]!,
          value: (bucket) => bucket.discarded[category] ?? 0,
        }))
      : [{ key, label: key, color, value: (bucket) => bucket[key] }],
  );
}

/** The chart and its legend, with the window's totals. */
export function DeliveryChart({ buckets, totals }: { buckets: Bucket[]; totals: Omit<Bucket, 'start'> }) {
  const series = seriesOf({ buckets, totals });
  return (
    <>
      <Chart buckets={buckets} series={series} />
      <p className="legend">
        {series.map((s) => (
          <span key={s.key}>
            <i style={{ background: s.color }} /> {s.label} {s.value(totals)}
          </span>
        ))}
        {Object.keys(totals.discarded).length === 0 && (
          <span>
            <i style={{ background: SERIES[2][1] }} /> discarded 0
          </span>
        )}
      </p>
    </>
  );
}

function Chart({ buckets, series }: { buckets: Bucket[]; series: Series[] }) {
  // Drawn at the box's own pixel width, so bars fill it and labels keep their size on any screen.
  const box = useRef<SVGSVGElement>(null);
  const [width, setWidth] = useState(720);
  useEffect(() => {
    const svg = box.current;
    if (!svg) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, Math.round(svg.clientWidth))));
    observer.observe(svg);
    return () => observer.disconnect();
  }, []);
  const height = 160;
  const plot = height - 20; // the bottom 20 units hold the time labels
  const total = (bucket: Bucket) => series.reduce((n, s) => n + s.value(bucket), 0);
  const max = Math.max(1, ...buckets.map(total));
  const barWidth = width / Math.max(1, buckets.length);
  const empty = buckets.every((bucket) => total(bucket) === 0);
  // About five labels along the axis, whatever the number of buckets.
  const every = Math.max(1, Math.ceil(buckets.length / 5));
  const span = buckets.length > 1 ? Date.parse(buckets.at(-1)!.start) - Date.parse(buckets[0]!.start) : 0;
  const label = (start: string) =>
    span > 36 * 3600_000
      ? new Date(start).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
      : new Date(start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return (
    <svg
      ref={box}
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label="Deliveries over time"
    >
      {buckets.map((bucket, i) => {
        let y = plot;
        return series.map((s) => {
          const value = s.value(bucket);
          const h = (value / max) * (plot - 10);
          y -= h;
          return value === 0 ? null : (
            <rect
              key={`${i}-${s.key}`}
              x={i * barWidth + 1}
              y={y}
              width={Math.max(1, barWidth - 2)}
              height={h}
              fill={s.color}
            >
              <title>
                {new Date(bucket.start).toLocaleString()}: {s.label} {value}
              </title>
            </rect>
          );
        });
      })}
      <line x1={0} x2={width} y1={plot} y2={plot} stroke="#bbb" />
      {buckets.map((bucket, i) =>
        i % every === 0 ? (
          <text key={`t-${i}`} x={i * barWidth + 2} y={height - 5} fontSize={11} fill="#666">
            {label(bucket.start)}
          </text>
        ) : null,
      )}
      {empty && (
        <text x={width / 2} y={plot / 2} textAnchor="middle" fontSize={14} fill="#666">
          No deliveries in this window.
        </text>
      )}
    </svg>
  );
}
