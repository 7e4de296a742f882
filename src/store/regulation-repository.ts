import { randomUUID } from 'node:crypto';
import { audited } from './audited-write.ts';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface RegulationResult {
  readonly regulationId: string;
  /** The user's stored events removed (with their deliveries and attempts). */
  readonly deletedEvents: number;
  /** `delete` events queued, one per destination and user. */
  readonly deleteDeliveries: number;
}

export interface RegulationRepository {
  /**
   * User deletion, as Segment's regulations: removes the users' stored events and queues a `delete` event for
   * every enabled destination connected to the workspace's sources (their onDelete handlers). The events are
   * removed in steps; the deletes are queued, with the audit event, once they are all gone.
   */
  deleteUsers(workspaceId: string, userIds: readonly string[]): Promise<RegulationResult>;
}

export function createRegulationRepository(db: Kysely<Database>): RegulationRepository {
  return {
    async deleteUsers(workspaceId, userIds) {
      const sourceIds = (
        await db.selectFrom('sources').select('id').where('workspace_id', '=', workspaceId).execute()
      ).map((s) => s.id);
      // The stored events go first, in steps of their own: one transaction for a user with a million events
      // would hold SQLite's only writer (and the event loop) until it ended. Stopped half-way, the request
      // fails and its retry removes the rest; the deletes are queued only once every event is gone.
      let deletedEvents = 0;
      while (sourceIds.length > 0) {
        const removed = await db.transaction().execute(async (trx) => {
          const ids = (
            await trx
              .selectFrom('events')
              .select('id')
              .where('source_id', 'in', sourceIds)
              .where('user_id', 'in', [...userIds])
              .where('type', '!=', 'delete')
              .limit(500)
              .execute()
          ).map((e) => e.id);
          if (ids.length === 0) return 0;
          await trx.deleteFrom('attempts').where('event_id', 'in', ids).execute();
          await trx.deleteFrom('deliveries').where('event_id', 'in', ids).execute();
          await trx.deleteFrom('events').where('id', 'in', ids).execute();
          return ids.length;
        });
        if (removed === 0) break;
        deletedEvents += removed;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return audited(db, async (trx) => {
        const now = Date.now();
        const regulationId = `reg_${randomUUID()}`;
        if (sourceIds.length === 0) return { regulationId, deletedEvents: 0, deleteDeliveries: 0 };

        // Each destination gets the delete once, through the first of its sources in this workspace.
        const links = await trx
          .selectFrom('destination_sources as ds')
          .innerJoin('destinations as d', 'd.id', 'ds.destination_id')
          .select(['ds.source_id as sourceId', 'd.id as destinationId'])
          .where('ds.source_id', 'in', sourceIds)
          .where('d.enabled', '=', 1)
          .orderBy('ds.source_id')
          .execute();
        const viaSource = new Map<string, string[]>();
        const seen = new Set<string>();
        for (const link of links) {
          if (seen.has(link.destinationId)) continue;
          seen.add(link.destinationId);
          viaSource.set(link.sourceId, [...(viaSource.get(link.sourceId) ?? []), link.destinationId]);
        }
        let deleteDeliveries = 0;
        for (const [sourceId, destinationIds] of viaSource) {
          for (const userId of userIds) {
            const iso = new Date(now).toISOString();
            const messageId = `${regulationId}-${userId}`.slice(0, 100);
            const event = {
              type: 'delete',
              userId,
              messageId,
              receivedAt: iso,
              timestamp: iso,
              context: { regulationId },
            };
            const inserted = await trx
              .insertInto('events')
              .values({
                source_id: sourceId,
                message_id: messageId,
                type: 'delete',
                user_id: userId,
                anonymous_id: null,
                received_at: now,
                body: JSON.stringify(event),
              })
              .returning('id')
              .executeTakeFirstOrThrow();
            await trx
              .insertInto('deliveries')
              .values(
                destinationIds.map((destinationId) => ({
                  event_id: Number(inserted.id),
                  destination_id: destinationId,
                  state: 'pending',
                  run_at: now,
                  attempts: 0,
                  crash_count: 0,
                  created_at: now,
                  updated_at: now,
                  payload: null,
                  lease_until: null,
                  category: null,
                  last_error: null,
                })),
              )
              .execute();
            deleteDeliveries += destinationIds.length;
          }
        }
        return { regulationId, deletedEvents, deleteDeliveries };
      });
    },
  };
}
