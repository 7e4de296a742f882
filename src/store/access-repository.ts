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
  // Each writer takes the connection or transaction to write with, so that bootstrap can compose them.
  const insertUser = async (trx: Kysely<Database>, user: { email: string; name: string }) => {
    const id = newId('usr');
    await trx
      .insertInto('users')
      .values({ id, email: user.email, name: user.name, password_hash: null, created_at: Date.now() })
      .execute();
    return id;
  };
  const insertWorkspace = async (trx: Kysely<Database>, workspace: { name: string; ownerUserId: string }) => {
    const id = newId('ws');
    const now = Date.now();
    await trx.insertInto('workspaces').values({ id, name: workspace.name, created_at: now }).execute();
    await trx
      .insertInto('memberships')
      .values({
        workspace_id: id,
        user_id: workspace.ownerUserId,
        roles: JSON.stringify(OWNER_ROLES),
        created_at: now,
      })
      .execute();
    return id;
  };
  const insertToken = async (
    trx: Kysely<Database>,
    options: {
      workspaceId: string;
      userId: string | null;
      name: string;
      roles?: readonly RoleGrant[];
      token?: string;
    },
  ) => {
    const id = newId('tok');
    const token = options.token ?? generateApiToken();
    await trx
      .insertInto('api_tokens')
      .values({
        id,
        workspace_id: options.workspaceId,
        user_id: options.userId,
        name: options.name,
        token_hash: hashToken(token),
        roles: JSON.stringify(options.roles ?? []),
        created_at: Date.now(),
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    return { id, token };
  };

  return {
    createUser: (user) => insertUser(db, user),
    createWorkspace: (workspace) => db.transaction().execute((trx) => insertWorkspace(trx, workspace)),
    createToken: (options) => insertToken(db, options),

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
        const email = adminEmail ?? DEFAULT_OWNER_EMAIL;
        const userId = await insertUser(trx, { email, name: 'Owner' });
        const workspaceId = await insertWorkspace(trx, { name: 'Default', ownerUserId: userId });
        const { token } = await insertToken(trx, {
          workspaceId,
          userId,
          name: 'Owner token (first start)',
          ...(adminToken === undefined ? {} : { token: adminToken }),
        });
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
