// The Event Delivery tab: a chart of outcomes over time, failures (or any status) in a table that opens to
// the event sent, the attempts' requests, responses, logs and error, and replay.
import { useEffect, useRef, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { CapturedRequest, Health } from '../types.ts';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { InvocationOutput } from '../ui/invocation-output.tsx';
import { Table } from '../ui/table.tsx';
import { type Bucket, DeliveryChart } from './delivery-chart.tsx';

interface Stats {
  buckets: Bucket[];
  totals: Omit<Bucket, 'start'>;
  executionMs: number;
  health: Health;
}

interface Delivery {
  id: number;
  messageId: string;
  eventType: string;
  status: string;
  attempts: number;
  category: string | null;
  error: string | null;
  updatedAt: string;
}

interface DeliveryDetail extends Omit<Delivery, 'attempts'> {
  event: unknown;
  attempts: Attempt[];
}

interface Attempt {
  number: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  category: string | null;
  error: string | null;
  logs: { level: string; message: string }[] | null;
  requests: CapturedRequest[] | null;
}

/** The runtime stores errors as "Name: message"; show them as the Test tab does, without an extra prefix. */
function splitError(text: string): { name: string; message: string } {
  const found = /^([A-Za-z]*Error): ([\s\S]*)$/.exec(text);
  return found ? { name: found[1]!, message: found[2]! } : { name: 'Error', message: text };
}

export function EventDelivery({
  destinationId,
  canReplay,
  visible = true,
}: {
  destinationId: string;
  canReplay: boolean;
  /** Hidden behind another tab: no refreshing meanwhile, and fresh figures when it shows again. */
  visible?: boolean;
}) {
  const [window, setWindow] = useState('24h');
  const [status, setStatus] = useState('failures');
  const [open, setOpen] = useState<number>();
  const [notice, setNotice] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const stats = useLoad(
    () => api<Stats>('GET', `/destinations/${destinationId}/stats?window=${window}`),
    [destinationId, window],
  );
  const query = status === 'failures' ? '' : `status=${status}&`;
  const deliveries = useLoad(async () => {
    if (status !== 'failures')
      return api<{ data: Delivery[] }>('GET', `/destinations/${destinationId}/deliveries?${query}limit=100`);
    const [discarded, dead, pending] = await Promise.all(
      ['discarded', 'dead', 'pending'].map((s) =>
        api<{ data: Delivery[] }>('GET', `/destinations/${destinationId}/deliveries?status=${s}&limit=100`),
      ),
    );
    const failing = [...discarded!.data, ...dead!.data, ...pending!.data.filter((d) => d.attempts > 0)];
    return { data: failing.sort((a, b) => b.id - a.id) };
  }, [destinationId, status]);

  // Live: the view refreshes itself while it is shown.
  const shown = useRef(visible);
  useEffect(() => {
    if (!visible) return;
    if (!shown.current) {
      stats.reload();
      deliveries.reload();
    }
    shown.current = true;
    const timer = setInterval(() => {
      stats.reload();
      deliveries.reload();
    }, 5_000);
    return () => {
      clearInterval(timer);
      shown.current = false;
    };
    // reload only bumps a counter: the first render's functions stay valid.
  }, [visible]);

  const replay = (body: Record<string, unknown>) => {
    api<{ requeued: number; created: number }>('POST', `/destinations/${destinationId}/replay`, body)
      .then((answer) => {
        setNotice(`Replaying ${answer.requeued + answer.created} deliveries.`);
        setSelected(new Set());
        deliveries.reload();
      })
      .catch((cause: unknown) => setNotice(messageOf(cause)));
  };

  return (
    <section aria-label="Event Delivery">
      <div className="title-row">
        <label>
          Window
          <select value={window} onChange={(e) => setWindow(e.target.value)}>
            {['1h', '24h', '7d'].map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
      </div>
      <AsyncView state={stats}>
        {(data) => (
          <>
            <p>
              Connection health: <span className={`health ${data.health.status}`}>{data.health.status}</span>{' '}
              <span className="muted">{data.health.reason}</span>
            </p>
            <DeliveryChart buckets={data.buckets} totals={data.totals} />
            <p className="muted small">execution {Math.round(data.executionMs)} ms</p>
          </>
        )}
      </AsyncView>
      <div className="title-row">
        <label>
          Show
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="failures">Failures</option>
            <option value="delivered">Delivered</option>
            <option value="pending">Pending</option>
            <option value="discarded">Discarded</option>
            <option value="dead">Dead</option>
          </select>
        </label>
        {canReplay && selected.size > 0 && (
          <button onClick={() => replay({ messageIds: [...selected] })}>
            Replay selected ({selected.size})
          </button>
        )}
        {canReplay && (status === 'discarded' || status === 'dead' || status === 'delivered') && (
          <button
            onClick={() => {
              // Every such delivery in the window runs again and may reach the endpoint twice: ask first.
              if (confirm(`Replay every ${status} delivery of this destination?`)) replay({ status });
            }}
          >
            Replay all {status}
          </button>
        )}
        <button
          onClick={() => {
            stats.reload();
            deliveries.reload();
          }}
        >
          Refresh
        </button>
        {notice && <span role="status">{notice}</span>}
      </div>
      <AsyncView state={deliveries}>
        {(page) =>
          page.data.length === 0 ? (
            <p className="muted">Nothing to show.</p>
          ) : (
            <Table
              className="deliveries"
              headers={[
                ...(canReplay ? [<span className="visually-hidden">Select</span>] : []),
                'Event',
                'Status',
                'Category',
                'Attempts',
                'Error',
                'Updated',
              ]}
            >
              {page.data.map((delivery) => (
                <tr key={delivery.id}>
                  {canReplay && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${delivery.messageId}`}
                        checked={selected.has(delivery.messageId)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if (e.target.checked) next.add(delivery.messageId);
                          else next.delete(delivery.messageId);
                          setSelected(next);
                        }}
                      />
                    </td>
                  )}
                  <td>
                    <button
                      className="link"
                      onClick={() => setOpen(open === delivery.id ? undefined : delivery.id)}
                    >
                      {delivery.eventType} {delivery.messageId}
                    </button>
                  </td>
                  <td>{delivery.status}</td>
                  <td>{delivery.category ?? ''}</td>
                  <td>{delivery.attempts}</td>
                  <td className="truncate">{delivery.error ?? ''}</td>
                  <td>{new Date(delivery.updatedAt).toLocaleString()}</td>
                </tr>
              ))}
            </Table>
          )
        }
      </AsyncView>
      {open !== undefined && (
        <DeliveryView
          destinationId={destinationId}
          id={open}
          onReplay={canReplay ? (messageId) => replay({ messageIds: [messageId] }) : undefined}
        />
      )}
    </section>
  );
}

function DeliveryView({
  destinationId,
  id,
  onReplay,
}: {
  destinationId: string;
  id: number;
  onReplay?: (messageId: string) => void;
}) {
  const detail = useLoad(
    () => api<DeliveryDetail>('GET', `/destinations/${destinationId}/deliveries/${id}`),
    [destinationId, id],
  );
  // The detail opens below a possibly long table: bring it into view once it has loaded.
  const box = useRef<HTMLDivElement>(null);
  const loaded = detail.data !== undefined;
  useEffect(() => {
    if (loaded) box.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [loaded, id]);
  return (
    <AsyncView state={detail}>
      {(delivery) => (
        <div className="delivery-detail" aria-label="Delivery" ref={box}>
          <div className="title-row">
            <h3>
              {delivery.eventType} {delivery.messageId}
            </h3>
            {onReplay && <button onClick={() => onReplay(delivery.messageId)}>Replay</button>}
          </div>
          <h4>Event sent to the function</h4>
          <pre>{JSON.stringify(delivery.event, null, 2)}</pre>
          {delivery.attempts.length === 0 && (
            <p className="muted">No attempt was kept (successes are sampled).</p>
          )}
          {delivery.attempts.map((attempt) => (
            <div key={attempt.number}>
              <h4>
                Attempt {attempt.number} · {new Date(attempt.startedAt).toLocaleString()}
              </h4>
              <InvocationOutput
                result={{
                  status:
                    attempt.outcome === 'delivered'
                      ? 'delivered'
                      : attempt.outcome === 'discarded'
                        ? 'discarded'
                        : 'retry',
                  category: attempt.category ?? undefined,
                  error: attempt.error ? splitError(attempt.error) : undefined,
                  logs: attempt.logs ?? [],
                  requests: attempt.requests ?? [],
                  durationMs: attempt.durationMs,
                }}
              />
            </div>
          ))}
        </div>
      )}
    </AsyncView>
  );
}
