import type { Kysely, Selectable } from 'kysely';
import { newId, randomBase62 } from './new-id.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import type { Database, SourcesTable } from './schema.ts';
import type { Page, Source, SourceRepository } from './store.ts';

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

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
      await db.insertInto('sources').values(row).execute();
      return toSource(row);
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
      let query = db
        .selectFrom('sources')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit + 1);
      if (cursor !== undefined) {
        const after = decodeCursor(cursor);
        if (after === undefined) throw new InvalidCursorError('cursor is not valid');
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '>', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const next =
        rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
      return { data: page.map(toSource), next };
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
