import type { Kysely, Selectable } from 'kysely';
import { audited } from './audited-write.ts';
import { newId, randomBase62 } from './new-id.ts';
import { pageByCreation } from './page-cursor.ts';
import type { Database, SourcesTable } from './schema.ts';
import type { Page, Source, SourceRepository } from './store.ts';

export function createSourceRepository(db: Kysely<Database>): SourceRepository {
  return {
    async create(workspaceId, name) {
      const row = {
        id: newId('src'),
        workspace_id: workspaceId,
        name,
        write_key: randomBase62(32),
        created_at: Date.now(),
      };
      return audited(db, async (trx) => {
        await trx.insertInto('sources').values(row).execute();
        return toSource(row);
      });
    },

    async get(workspaceId, id) {
      const row = await db
        .selectFrom('sources')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSource(row);
    },

    async list(workspaceId, { limit, cursor }): Promise<Page<Source>> {
      const query = db.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId);
      const { rows, next } = await pageByCreation(query, limit, cursor);
      return { data: rows.map(toSource), next };
    },

    async findByWriteKey(writeKey) {
      const row = await db
        .selectFrom('sources')
        .selectAll()
        .where('write_key', '=', writeKey)
        .executeTakeFirst();
      return row && toSource(row);
    },
  };
}

function toSource(row: Selectable<SourcesTable>): Source {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    writeKey: row.write_key,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}
