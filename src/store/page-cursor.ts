import { type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from './schema.ts';

/** Opaque keyset cursors: (created_at, id) of the last row of the previous page. */
export interface CursorPosition {
  readonly createdAt: number;
  readonly id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** Returns undefined for anything that is not a cursor this module made. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through: not a cursor
  }
  return undefined;
}

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * Keyset pagination by (created_at, id), oldest first: stable while rows are added, and an index range scan
 * rather than an OFFSET. Throws InvalidCursorError for a cursor this module did not make.
 */
export async function pageByCreation<TB extends keyof Database, R extends { created_at: number; id: string }>(
  query: SelectQueryBuilder<Database, TB, R>,
  limit: number,
  cursor: string | undefined,
): Promise<{ rows: R[]; next: string | null }> {
  let paged = query
    .orderBy(sql`created_at`)
    .orderBy(sql`id`)
    .limit(limit + 1);
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (after === undefined) throw new InvalidCursorError('cursor is not valid');
    paged = paged.where(
      sql<boolean>`(created_at > ${after.createdAt} OR (created_at = ${after.createdAt} AND id > ${after.id}))`,
    );
  }
  const rows = await paged.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    next:
      rows.length > limit && last ? encodeCursor({ createdAt: Number(last.created_at), id: last.id }) : null,
  };
}
