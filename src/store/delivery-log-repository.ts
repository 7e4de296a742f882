import { type Kysely, sql } from 'kysely';
import { minuteOf } from './delivery-queue.ts';
import { deliveryPage, statesToList } from './delivery-page.ts';
import { matchingDeliveries } from './matching-deliveries.ts';
import { createReplay } from './replay-deliveries.ts';
import type { Step } from './purge-step.ts';
import { createRetentionPurge } from './retention-purge.ts';
import type { Database } from './schema.ts';

export interface DeliveryFilter {
  readonly status?: string | undefined;
  readonly category?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly eventType?: string | undefined;
  readonly messageIds?: readonly string[] | undefined;
}

export interface DeliverySummary {
  readonly id: number;
  readonly eventId: number;
  readonly messageId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly category: string | null;
  readonly error: string | null;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AttemptView {
  readonly number: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: string;
  readonly category: string | null;
  readonly error: string | null;
  readonly logs: unknown;
  readonly requests: unknown;
}

export interface CountRow {
  readonly minute: number;
  readonly outcome: string;
  readonly category: string;
  readonly count: number;
  readonly durationMs: number;
}

export interface UsageRow {
  readonly destinationId: string;
  /** Midnight UTC, epoch ms. */
  readonly day: number;
  readonly invocations: number;
  readonly executionMs: number;
}

/** The Event Delivery view's queries, and replay. Not on the hot path: Kysely, the same on both databases. */
export interface DeliveryLogRepository {
  list(
    destinationId: string,
    filter: DeliveryFilter,
    page: { limit: number; before?: number | undefined },
  ): Promise<DeliverySummary[]>;
  /** One delivery, the event as the function received it, and every attempt kept. */
  get(
    destinationId: string,
    id: number,
  ): Promise<{ delivery: DeliverySummary; event: unknown; attempts: AttemptView[] } | undefined>;
  counts(destinationId: string, since: number): Promise<CountRow[]>;
  /**
   * Invocations and execution time per destination per UTC day (what Segment bills as usage), for the whole
   * days from `since`'s to `until`'s.
   */
  usage(destinationIds: readonly string[], since: number, until: number): Promise<UsageRow[]>;
  /** Execution time of all the workspace's destinations from `since` (until `until`), for its monthly limit. */
  executionMsSince(workspaceId: string, since: number, until?: number): Promise<number>;
  /**
   * Re-queues matching settled deliveries with a fresh retry budget; with a time window, also creates the
   * deliveries the destination never had for events of its sources (a newly connected destination).
   */
  replay(
    destinationId: string,
    sourceIds: readonly string[],
    filter: DeliveryFilter,
  ): Promise<{ requeued: number; created: number }>;
  /**
   * Retention: removes successes older than `successBefore`, failures older than `failureBefore` and events
   * older than `eventsBefore` that no delivery still refers to — at most `limit` rows of each kind per call,
   * so that a large backlog is worked off in small steps beside the hot path.
   */
  purge(policy: RetentionCutoffs, limit: number): Promise<Step>;
}

export interface RetentionCutoffs {
  readonly successBefore: number;
  readonly failureBefore: number;
  readonly eventsBefore: number;
}

const DAY_MS = 86_400_000;

export function createDeliveryLogRepository(db: Kysely<Database>): DeliveryLogRepository {
  const summaryColumns = [
    'd.id as id',
    'd.event_id as eventId',
    'e.message_id as messageId',
    'e.type as eventType',
    'd.state as status',
    'd.attempts as attempts',
    'd.category as category',
    'd.last_error as error',
    'd.run_at as runAt',
    'd.created_at as createdAt',
    'd.updated_at as updatedAt',
  ] as const;
  type SummaryRow = {
    id: number;
    eventId: number;
    messageId: string;
    eventType: string;
    status: string;
    attempts: number;
    category: string | null;
    error: string | null;
    runAt: number;
    createdAt: number;
    updatedAt: number;
  };
  const toSummary = (row: SummaryRow): DeliverySummary => ({
    id: Number(row.id),
    eventId: Number(row.eventId),
    messageId: row.messageId,
    eventType: row.eventType,
    status: row.status,
    attempts: Number(row.attempts),
    category: row.category,
    error: row.error,
    nextAttemptAt: row.status === 'pending' ? new Date(Number(row.runAt)).toISOString() : null,
    createdAt: new Date(Number(row.createdAt)).toISOString(),
    updatedAt: new Date(Number(row.updatedAt)).toISOString(),
  });

  return {
    async list(destinationId, filter, { limit, before }) {
      // One statement, so that every state is read at the same moment: a delivery that changes state while
      // the page is read is listed once, not twice or not at all.
      const states = statesToList(filter);
      if (states.length === 0) return [];
      const [first, ...rest] = states.map((state) =>
        db
          .selectFrom(
            deliveryPage(db, destinationId, filter, state, { limit, before })
              .select(summaryColumns)
              .as('page'),
          )
          .selectAll(),
      );
      const rows = await rest
        .reduce((all, part) => all.unionAll(part), first!)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toSummary);
    },

    async get(destinationId, id) {
      const row = await matchingDeliveries(db, destinationId, {})
        .select([...summaryColumns, 'd.payload as payload', 'e.body as body'])
        .where('d.id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const attempts = await db
        .selectFrom('attempts')
        .selectAll()
        .where('delivery_id', '=', id)
        .orderBy('id')
        .execute();
      return {
        delivery: toSummary(row),
        event: JSON.parse(row.payload ?? row.body) as unknown,
        attempts: attempts.map((a) => ({
          number: Number(a.number),
          startedAt: new Date(Number(a.started_at)).toISOString(),
          durationMs: Number(a.duration_ms),
          outcome: a.outcome,
          category: a.category,
          error: a.error,
          logs: a.logs === null ? [] : (JSON.parse(a.logs) as unknown),
          requests: a.requests === null ? [] : (JSON.parse(a.requests) as unknown),
        })),
      };
    },

    async counts(destinationId, since) {
      const rows = await db
        .selectFrom('delivery_counts')
        .select(['minute', 'outcome', 'category', 'count', 'duration_ms'])
        .where('destination_id', '=', destinationId)
        .where('minute', '>=', minuteOf(since))
        .orderBy('minute')
        .execute();
      return rows.map((r) => ({
        minute: Number(r.minute),
        outcome: r.outcome,
        category: r.category,
        count: Number(r.count),
        durationMs: Number(r.duration_ms),
      }));
    },

    async usage(destinationIds, since, until) {
      if (destinationIds.length === 0) return [];
      const day = sql<number>`minute - (minute % 86400000)`;
      const rows = await db
        .selectFrom('delivery_counts')
        .select([
          'destination_id',
          day.as('day'),
          sql<number>`sum(count)`.as('invocations'),
          sql<number>`sum(duration_ms)`.as('execution_ms'),
        ])
        .where('destination_id', 'in', destinationIds)
        // Filtered events never ran: they are counted for the charts, not for usage.
        .where('outcome', '!=', 'filtered')
        // Whole UTC days, as reported: counters older than eight days are one row per day (count-rollup.ts),
        // which a window starting or ending inside the day would drop or count whole.
        .where('minute', '>=', Math.floor(since / DAY_MS) * DAY_MS)
        .where('minute', '<', Math.ceil(until / DAY_MS) * DAY_MS)
        .groupBy(['destination_id', day])
        .orderBy(day)
        .execute();
      return rows.map((r) => ({
        destinationId: r.destination_id,
        day: Number(r.day),
        invocations: Number(r.invocations),
        executionMs: Number(r.execution_ms),
      }));
    },

    async executionMsSince(workspaceId, since, until) {
      let query = db
        .selectFrom('delivery_counts')
        .innerJoin('destinations', 'destinations.id', 'delivery_counts.destination_id')
        .select(sql<number>`coalesce(sum(delivery_counts.duration_ms), 0)`.as('ms'))
        .where('destinations.workspace_id', '=', workspaceId)
        .where('delivery_counts.minute', '>=', minuteOf(since));
      if (until !== undefined) query = query.where('delivery_counts.minute', '<', minuteOf(until));
      const row = await query.executeTakeFirst();
      return Number(row?.ms ?? 0);
    },

    purge: createRetentionPurge(db),

    replay: createReplay(db),
  };
}
