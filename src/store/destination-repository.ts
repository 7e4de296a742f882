import type { Kysely, Selectable } from 'kysely';
import { audited } from './audited-write.ts';
import { newId } from './new-id.ts';
import { pageByCreation } from './page-cursor.ts';
import type { Database, DestinationsTable } from './schema.ts';
import type { Page } from './store.ts';

export interface DestinationRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly functionId: string;
  readonly versionId: string;
  readonly name: string;
  readonly enabled: boolean;
  /** JSON, sensitive values encrypted. */
  readonly settings: string;
  /** JSON array of filters. */
  readonly filters: string;
  readonly sourceIds: readonly string[];
  /** Retry delays in ms; null: Segment's schedule. */
  readonly retrySchedule: readonly number[] | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DestinationPatch {
  name?: string;
  enabled?: boolean;
  settings?: string;
  filters?: string;
  versionId?: string;
  sourceIds?: readonly string[];
  retrySchedule?: readonly number[] | null;
}

/** Where a source's events go: an enabled destination connected to it, with its filters. */
export interface Route {
  readonly sourceId: string;
  readonly destinationId: string;
  readonly name: string;
  /** JSON array of filters. */
  readonly filters: string;
}

export interface DestinationRepository {
  /** The enabled destinations connected to these sources. */
  routesFor(sourceIds: readonly string[]): Promise<Route[]>;
  create(destination: Omit<DestinationRecord, 'id' | 'createdAt' | 'updatedAt'>): Promise<DestinationRecord>;
  get(workspaceId: string, id: string): Promise<DestinationRecord | undefined>;
  /** For the pipeline, which works across workspaces. */
  findById(id: string): Promise<DestinationRecord | undefined>;
  list(
    workspaceId: string,
    options: { limit: number; cursor?: string | undefined; functionId?: string | undefined },
  ): Promise<Page<DestinationRecord>>;
  /** Every destination of a function (deploys, version listings, deletes). */
  listByFunction(functionId: string): Promise<DestinationRecord[]>;
  update(workspaceId: string, id: string, patch: DestinationPatch): Promise<DestinationRecord | undefined>;
  /** Applies several patches in one transaction (a deploy moves destinations together or not at all). */
  updateMany(workspaceId: string, patches: readonly { id: string; patch: DestinationPatch }[]): Promise<void>;
  delete(workspaceId: string, id: string): Promise<boolean>;
}

export function createDestinationRepository(db: Kysely<Database>): DestinationRepository {
  const withSources = async (rows: Selectable<DestinationsTable>[]): Promise<DestinationRecord[]> => {
    if (rows.length === 0) return [];
    const links = await db
      .selectFrom('destination_sources')
      .selectAll()
      .where(
        'destination_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('source_id')
      .execute();
    return rows.map((row) =>
      toDestination(
        row,
        links.filter((l) => l.destination_id === row.id).map((l) => l.source_id),
      ),
    );
  };

  const applyPatch = async (
    trx: Kysely<Database>,
    workspaceId: string,
    id: string,
    patch: DestinationPatch,
  ) => {
    const set: Partial<Selectable<DestinationsTable>> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.settings !== undefined) set.settings = patch.settings;
    if (patch.filters !== undefined) set.filters = patch.filters;
    if (patch.versionId !== undefined) set.version_id = patch.versionId;
    if (patch.retrySchedule !== undefined) {
      set.retry_schedule = patch.retrySchedule === null ? null : JSON.stringify(patch.retrySchedule);
    }
    const result = await trx
      .updateTable('destinations')
      .set(set)
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    if (patch.sourceIds !== undefined) {
      await trx.deleteFrom('destination_sources').where('destination_id', '=', id).execute();
      if (patch.sourceIds.length > 0) {
        await trx
          .insertInto('destination_sources')
          .values(patch.sourceIds.map((sourceId) => ({ destination_id: id, source_id: sourceId })))
          .execute();
      }
    }
    return true;
  };

  const get = async (workspaceId: string, id: string) => {
    const row = await db
      .selectFrom('destinations')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && (await withSources([row]))[0];
  };

  return {
    async routesFor(sourceIds) {
      if (sourceIds.length === 0) return [];
      return db
        .selectFrom('destination_sources as ds')
        .innerJoin('destinations as d', 'd.id', 'ds.destination_id')
        .select([
          'ds.source_id as sourceId',
          'd.id as destinationId',
          'd.name as name',
          'd.filters as filters',
        ])
        .where('ds.source_id', 'in', [...sourceIds])
        .where('d.enabled', '=', 1)
        .execute();
    },

    async create(destination) {
      const now = Date.now();
      const id = newId('dst');
      await audited(db, async (trx) => {
        await trx
          .insertInto('destinations')
          .values({
            id,
            workspace_id: destination.workspaceId,
            function_id: destination.functionId,
            version_id: destination.versionId,
            name: destination.name,
            enabled: destination.enabled ? 1 : 0,
            settings: destination.settings,
            filters: destination.filters,
            retry_schedule:
              destination.retrySchedule === null ? null : JSON.stringify(destination.retrySchedule),
            created_at: now,
            updated_at: now,
          })
          .execute();
        if (destination.sourceIds.length > 0) {
          await trx
            .insertInto('destination_sources')
            .values(destination.sourceIds.map((sourceId) => ({ destination_id: id, source_id: sourceId })))
            .execute();
        }
        return id; // names the created destination in its audit event
      });
      return (await get(destination.workspaceId, id))!;
    },

    get,

    async findById(id) {
      const row = await db.selectFrom('destinations').selectAll().where('id', '=', id).executeTakeFirst();
      return row && (await withSources([row]))[0];
    },

    async list(workspaceId, { limit, cursor, functionId }) {
      let query = db.selectFrom('destinations').selectAll().where('workspace_id', '=', workspaceId);
      if (functionId !== undefined) query = query.where('function_id', '=', functionId);
      const { rows, next } = await pageByCreation(query, limit, cursor);
      return { data: await withSources(rows), next };
    },

    async listByFunction(functionId) {
      const rows = await db
        .selectFrom('destinations')
        .selectAll()
        .where('function_id', '=', functionId)
        .orderBy('created_at')
        .execute();
      return withSources(rows);
    },

    async update(workspaceId, id, patch) {
      const found = await audited(db, (trx) => applyPatch(trx, workspaceId, id, patch));
      return found ? get(workspaceId, id) : undefined;
    },

    async updateMany(workspaceId, patches) {
      await audited(db, async (trx) => {
        for (const { id, patch } of patches) await applyPatch(trx, workspaceId, id, patch);
      });
    },

    async delete(workspaceId, id) {
      return audited(db, async (trx) => {
        await trx.deleteFrom('destination_sources').where('destination_id', '=', id).execute();
        const result = await trx
          .deleteFrom('destinations')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}

function toDestination(row: Selectable<DestinationsTable>, sourceIds: string[]): DestinationRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    functionId: row.function_id,
    versionId: row.version_id,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    settings: row.settings,
    filters: row.filters,
    sourceIds,
    retrySchedule: row.retry_schedule === null ? null : (JSON.parse(row.retry_schedule) as number[]),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}
