import type { Kysely, Selectable } from 'kysely';
import { audited } from './audited-write.ts';
import { newId } from './new-id.ts';
import { pageByCreation } from './page-cursor.ts';
import type { Database, FunctionVersionsTable, FunctionsTable } from './schema.ts';
import type { Page } from './store.ts';

export interface FunctionRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly displayName: string;
  readonly description: string;
  readonly latestVersionId: string;
  /** JSON, sensitive values encrypted. */
  readonly testSettings: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface VersionRecord {
  readonly id: string;
  readonly functionId: string;
  readonly number: number;
  readonly code: string;
  /** JSON array of setting definitions. */
  readonly settings: string;
  readonly author: string;
  readonly createdAt: string;
  /** The handlers the code defines, e.g. ['onTrack', 'onBatch']. */
  readonly handlers: readonly string[];
}

export interface NewVersion {
  readonly code: string;
  readonly settings: string;
  readonly author: string;
  readonly handlers: readonly string[];
}

export interface FunctionRepository {
  create(
    fn: { workspaceId: string; displayName: string; description: string; testSettings: string },
    version: NewVersion,
  ): Promise<{ fn: FunctionRecord; version: VersionRecord }>;
  get(workspaceId: string, id: string): Promise<FunctionRecord | undefined>;
  list(
    workspaceId: string,
    options: { limit: number; cursor?: string | undefined },
  ): Promise<Page<FunctionRecord>>;
  update(
    workspaceId: string,
    id: string,
    patch: { displayName?: string; description?: string; testSettings?: string },
  ): Promise<FunctionRecord | undefined>;
  /** Saves a new immutable version and makes it LATEST. */
  addVersion(functionId: string, version: NewVersion): Promise<VersionRecord>;
  getVersion(functionId: string, versionId: string): Promise<VersionRecord | undefined>;
  /** Newest first. */
  listVersions(
    functionId: string,
    options: { limit: number; before?: number | undefined },
  ): Promise<VersionRecord[]>;
  /** Deletes the function and its versions; its destinations must be gone first. */
  delete(workspaceId: string, id: string): Promise<boolean>;
}

export function createFunctionRepository(db: Kysely<Database>): FunctionRepository {
  const insertVersion = async (trx: Kysely<Database>, functionId: string, version: NewVersion) => {
    const last = await trx
      .selectFrom('function_versions')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('function_id', '=', functionId)
      .executeTakeFirst();
    const row = {
      id: newId('ver'),
      function_id: functionId,
      number: Number(last?.n ?? 0) + 1,
      code: version.code,
      settings: version.settings,
      author: version.author,
      created_at: Date.now(),
      handlers: JSON.stringify(version.handlers),
    };
    await trx.insertInto('function_versions').values(row).execute();
    await trx
      .updateTable('functions')
      .set({ latest_version_id: row.id, updated_at: row.created_at })
      .where('id', '=', functionId)
      .execute();
    return toVersion(row);
  };

  const get = async (workspaceId: string, id: string) => {
    const row = await db
      .selectFrom('functions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toFunction(row);
  };

  return {
    async create(fn, version) {
      return audited(db, async (trx) => {
        const now = Date.now();
        const id = newId('fn');
        await trx
          .insertInto('functions')
          .values({
            id,
            workspace_id: fn.workspaceId,
            display_name: fn.displayName,
            description: fn.description,
            latest_version_id: null,
            test_settings: fn.testSettings,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const saved = await insertVersion(trx, id, version);
        const row = await trx
          .selectFrom('functions')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        // `id` names the created function in its audit event.
        return { id, fn: toFunction(row), version: saved };
      });
    },

    get,

    async list(workspaceId, { limit, cursor }) {
      const query = db.selectFrom('functions').selectAll().where('workspace_id', '=', workspaceId);
      const { rows, next } = await pageByCreation(query, limit, cursor);
      return { data: rows.map(toFunction), next };
    },

    async update(workspaceId, id, patch) {
      const set: Partial<Selectable<FunctionsTable>> = { updated_at: Date.now() };
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.testSettings !== undefined) set.test_settings = patch.testSettings;
      await audited(db, (trx) =>
        trx
          .updateTable('functions')
          .set(set)
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .execute(),
      );
      return get(workspaceId, id);
    },

    addVersion: (functionId, version) => audited(db, (trx) => insertVersion(trx, functionId, version)),

    async getVersion(functionId, versionId) {
      const row = await db
        .selectFrom('function_versions')
        .selectAll()
        .where('function_id', '=', functionId)
        .where('id', '=', versionId)
        .executeTakeFirst();
      return row && toVersion(row);
    },

    async listVersions(functionId, { limit, before }) {
      let query = db.selectFrom('function_versions').selectAll().where('function_id', '=', functionId);
      if (before !== undefined) query = query.where('number', '<', before);
      const rows = await query.orderBy('number', 'desc').limit(limit).execute();
      return rows.map(toVersion);
    },

    async delete(workspaceId, id) {
      return audited(db, async (trx) => {
        const found = await trx
          .selectFrom('functions')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!found) return false;
        await trx.deleteFrom('function_versions').where('function_id', '=', id).execute();
        await trx.deleteFrom('functions').where('id', '=', id).execute();
        return true;
      });
    },
  };
}

function toFunction(row: Selectable<FunctionsTable>): FunctionRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    displayName: row.display_name,
    description: row.description,
    latestVersionId: row.latest_version_id ?? '',
    testSettings: row.test_settings,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

function toVersion(row: Selectable<FunctionVersionsTable>): VersionRecord {
  return {
    id: row.id,
    functionId: row.function_id,
    number: Number(row.number),
    code: row.code,
    settings: row.settings,
    author: row.author,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    handlers: JSON.parse(row.handlers) as string[],
  };
}
