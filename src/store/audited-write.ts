// The audit event of a change is written in the same transaction as the change: the API sets the event a
// request would record (who, what, which resource) around its handler, and the first write the handler makes
// through a repository commits it together with the change — or neither, if either fails. A request that
// changed nothing (refused, invalid) records its event on its own afterwards.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import { type NewAuditEvent, insertAuditEvent } from './audit-repository.ts';
import type { Database } from './schema.ts';

export interface PendingAudit {
  readonly event: NewAuditEvent;
  /** Set once a write has committed the event. */
  written: boolean;
  /** A write is carrying the event now (a second concurrent write must not insert it again). */
  claimed: boolean;
}

const pending = new AsyncLocalStorage<PendingAudit>();

/** An event not yet written. */
export function pendingAudit(event: NewAuditEvent): PendingAudit {
  return { event, written: false, claimed: false };
}

/** Requests running with a pending event: while none is, the storage is disabled. */
let running = 0;

/**
 * Runs a request's handler with the audit event its first write must carry. The storage is enabled only
 * while such a handler runs: on Node 20 an enabled AsyncLocalStorage installs promise hooks that every
 * promise in the process pays for — the ingest and delivery paths included, which never read it.
 */
export function withPendingAudit<T>(audit: PendingAudit, run: () => T): T {
  running++;
  let result: T;
  try {
    result = pending.run(audit, run);
  } catch (error) {
    finished();
    throw error;
  }
  if (result instanceof Promise) return result.finally(finished) as T;
  finished();
  return result;
}

function finished(): void {
  if (--running === 0) pending.disable();
}

/**
 * A repository's change: in a transaction of its own (or the caller's), together with the pending audit event
 * when there is one. A created resource's id (a result that is an id, or has `id`) completes the event.
 */
export async function audited<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const audit = pending.getStore();
  if (audit === undefined || audit.written || audit.claimed) {
    return db.isTransaction ? work(db) : db.transaction().execute(work);
  }
  audit.claimed = true;
  const write = async (trx: Kysely<Database>) => {
    const result = await work(trx);
    // Nothing changed (false, or a statement that touched no row): nothing to record with it.
    if (unchanged(result)) return result;
    const created = typeof result === 'string' ? result : (result as { id?: unknown } | undefined)?.id;
    await insertAuditEvent(trx, {
      ...audit.event,
      resourceId: audit.event.resourceId ?? (typeof created === 'string' ? created : undefined),
    });
    return result;
  };
  try {
    const result = await (db.isTransaction ? write(db) : db.transaction().execute(write));
    audit.written = !unchanged(result);
    return result;
  } finally {
    audit.claimed = false;
  }
}

const COUNTS = ['numUpdatedRows', 'numDeletedRows', 'numInsertedOrUpdatedRows'] as const;

function unchanged(result: unknown): boolean {
  if (result === false) return true;
  if (typeof result !== 'object' || result === null) return false;
  const counts = result as Partial<Record<(typeof COUNTS)[number], bigint | number | undefined>>;
  return COUNTS.some((key) => counts[key] !== undefined && Number(counts[key]) === 0);
}
