// The audit trail: append-only. There is no update or delete here, and no route offers one.
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

export interface AuditActor {
  readonly type: 'user' | 'token' | 'anonymous';
  readonly id: string | null;
  /** The user's email or the token's name at the time. */
  readonly label: string | null;
}

export interface NewAuditEvent {
  readonly workspaceId: string;
  readonly actor: AuditActor;
  readonly action: string;
  readonly outcome: 'ok' | 'denied' | 'failed';
  readonly resourceType?: string | undefined;
  readonly resourceId?: string | undefined;
  readonly ip?: string | undefined;
  /** What changed: names and ids, never secret values. */
  readonly summary?: Readonly<Record<string, unknown>> | undefined;
}

export interface AuditEvent extends Omit<NewAuditEvent, 'workspaceId'> {
  readonly id: string;
  readonly at: string;
}

export interface AuditQuery {
  readonly resource?: string | undefined;
  readonly actor?: string | undefined;
  readonly since?: number | undefined;
  readonly limit: number;
  /** The id of the last event of the previous page (newest first). */
  readonly before?: number | undefined;
}

export interface AuditRepository {
  record(event: NewAuditEvent): Promise<void>;
  /** Newest first. */
  list(workspaceId: string, query: AuditQuery): Promise<{ events: AuditEvent[]; next: string | null }>;
}

/** One audit row, on the connection or transaction given (mutations write theirs in their own transaction). */
export async function insertAuditEvent(db: Kysely<Database>, event: NewAuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      workspace_id: event.workspaceId,
      at: Date.now(),
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      actor_label: event.actor.label,
      action: event.action,
      outcome: event.outcome,
      resource_type: event.resourceType ?? null,
      resource_id: event.resourceId ?? null,
      ip: event.ip ?? null,
      summary: event.summary === undefined ? null : JSON.stringify(event.summary),
    })
    .execute();
}

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    record: (event) => insertAuditEvent(db, event),
    async list(workspaceId, query) {
      let select = db
        .selectFrom('audit_events')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('id', 'desc')
        .limit(query.limit + 1);
      if (query.resource !== undefined) select = select.where('resource_id', '=', query.resource);
      if (query.actor !== undefined) {
        const actor = query.actor;
        select = select.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_label', '=', actor)]));
      }
      if (query.since !== undefined) select = select.where('at', '>=', query.since);
      if (query.before !== undefined) select = select.where(sql<boolean>`id < ${query.before}`);
      const rows = await select.execute();
      const page = rows.slice(0, query.limit);
      return {
        events: page.map((row) => ({
          id: String(row.id),
          at: new Date(row.at).toISOString(),
          actor: {
            type: row.actor_type as AuditActor['type'],
            id: row.actor_id,
            label: row.actor_label,
          },
          action: row.action,
          outcome: row.outcome as AuditEvent['outcome'],
          resourceType: row.resource_type ?? undefined,
          resourceId: row.resource_id ?? undefined,
          ip: row.ip ?? undefined,
          summary: row.summary === null ? undefined : (JSON.parse(row.summary) as Record<string, unknown>),
        })),
        next: rows.length > query.limit ? String(page.at(-1)!.id) : null,
      };
    },
  };
}
