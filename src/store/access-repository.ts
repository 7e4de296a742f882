import { type Kysely, sql } from 'kysely';
import { hashToken } from './hash-token.ts';
import { newId, randomBase62 } from './new-id.ts';
import type { Database, Dialect } from './schema.ts';
import type { AccessRepository, RoleGrant } from './store.ts';

const DEFAULT_OWNER_EMAIL = 'admin@localhost';
const OWNER_ROLES: RoleGrant[] = [{ role: 'workspace_owner' }];
// Any constant works; it only has to be the same in every Switchyard process sharing one Postgres.
const BOOTSTRAP_LOCK = 0x5377_7944;

/** API tokens: `sy_` and 40 base62 characters (~238 bits). */
export function generateApiToken(): string {
  return `sy_${randomBase62(40)}`;
}

export function createAccessRepository(db: Kysely<Database>, dialect: Dialect): AccessRepository {
  return {
    async bootstrap({ adminToken, adminEmail }) {
      return db.transaction().execute(async (trx) => {
        // Several processes may start together on one Postgres; only one may create the owner.
        if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`.execute(trx);
        const existing = await trx
          .selectFrom('workspaces')
          .select('id')
          .orderBy('created_at')
          .executeTakeFirst();
        if (existing) {
          const owner = await trx
            .selectFrom('memberships')
            .innerJoin('users', 'users.id', 'memberships.user_id')
            .select('users.email')
            .where('memberships.workspace_id', '=', existing.id)
            .orderBy('memberships.created_at')
            .executeTakeFirst();
          return { created: false, workspaceId: existing.id, ownerEmail: owner?.email ?? '' };
        }

        const now = Date.now();
        const workspaceId = newId('ws');
        const userId = newId('usr');
        const email = adminEmail ?? DEFAULT_OWNER_EMAIL;
        const token = adminToken ?? generateApiToken();
        await trx
          .insertInto('workspaces')
          .values({ id: workspaceId, name: 'Default', created_at: now })
          .execute();
        await trx
          .insertInto('users')
          .values({ id: userId, email, name: 'Owner', password_hash: null, created_at: now })
          .execute();
        await trx
          .insertInto('memberships')
          .values({
            workspace_id: workspaceId,
            user_id: userId,
            roles: JSON.stringify(OWNER_ROLES),
            created_at: now,
          })
          .execute();
        await trx
          .insertInto('api_tokens')
          .values({
            id: newId('tok'),
            workspace_id: workspaceId,
            user_id: userId,
            name: 'Owner token (first start)',
            token_hash: hashToken(token),
            roles: '[]',
            created_at: now,
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
        return {
          created: true,
          workspaceId,
          ownerEmail: email,
          ...(adminToken === undefined ? { generatedToken: token } : {}),
        };
      });
    },

    async authenticate(token) {
      const row = await db
        .selectFrom('api_tokens')
        .leftJoin('memberships', (join) =>
          join
            .onRef('memberships.workspace_id', '=', 'api_tokens.workspace_id')
            .onRef('memberships.user_id', '=', 'api_tokens.user_id'),
        )
        .select([
          'api_tokens.id',
          'api_tokens.workspace_id',
          'api_tokens.user_id',
          'api_tokens.roles',
          'api_tokens.revoked_at',
          'memberships.roles as member_roles',
        ])
        .where('api_tokens.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || row.revoked_at !== null) return undefined;
      // A member's token acts with the member's current roles; a removed member's token acts with none.
      if (row.user_id !== null && row.member_roles === null) return undefined;
      const roles = JSON.parse(row.user_id !== null ? (row.member_roles ?? '[]') : row.roles) as RoleGrant[];
      return { tokenId: row.id, workspaceId: row.workspace_id, userId: row.user_id, roles };
    },
  };
}
