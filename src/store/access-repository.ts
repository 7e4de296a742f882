import { type Kysely, sql } from 'kysely';
import { audited } from './audited-write.ts';
import { hashToken } from './hash-token.ts';
import { newId, randomBase62 } from './new-id.ts';
import type { Database, Dialect } from './schema.ts';
import type { AccessRepository, RoleGrant, TokenInfo } from './store.ts';

const DEFAULT_OWNER_EMAIL = 'admin@localhost';
const OWNER_ROLES: RoleGrant[] = [{ role: 'workspace_owner' }];
// Any constant works; it only has to be the same in every Switchyard process sharing one Postgres.
const BOOTSTRAP_LOCK = 0x5377_7944;

/** API tokens: `sy_` and 40 base62 characters (~238 bits). */
export function generateApiToken(): string {
  return `sy_${randomBase62(40)}`;
}

/** A generated owner password: 20 base62 characters (~119 bits), printed once. */
function generatePassword(): string {
  return randomBase62(20);
}

const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

function toTokenInfo(row: {
  id: string;
  name: string;
  user_id: string | null;
  roles: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    roles: JSON.parse(row.roles) as RoleGrant[],
    createdAt: iso(row.created_at)!,
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
  };
}

/** The first workspace and its first member (the owner bootstrap created), if there is one yet. */
async function firstOwner(db: Kysely<Database>) {
  const workspace = await db.selectFrom('workspaces').select('id').orderBy('created_at').executeTakeFirst();
  if (!workspace) return undefined;
  const owner = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.password_hash'])
    .where('memberships.workspace_id', '=', workspace.id)
    .orderBy('memberships.created_at')
    .executeTakeFirst();
  return { workspaceId: workspace.id, owner };
}

export function createAccessRepository(db: Kysely<Database>, dialect: Dialect): AccessRepository {
  const tokens = () =>
    db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'user_id', 'roles', 'created_at', 'last_used_at', 'expires_at', 'revoked_at']);
  // Each writer takes the connection or transaction to write with, so that bootstrap can compose them.
  const insertUser = async (
    trx: Kysely<Database>,
    user: { email: string; name: string; passwordHash?: string | null },
  ) => {
    const id = newId('usr');
    await trx
      .insertInto('users')
      .values({
        id,
        email: user.email.toLowerCase(),
        name: user.name,
        password_hash: user.passwordHash ?? null,
        created_at: Date.now(),
      })
      .execute();
    return id;
  };
  const insertWorkspace = async (trx: Kysely<Database>, workspace: { name: string; ownerUserId: string }) => {
    const id = newId('ws');
    const now = Date.now();
    await trx
      .insertInto('workspaces')
      .values({ id, name: workspace.name, created_at: now, usage_limit_ms: null })
      .execute();
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
      expiresAt?: number | null;
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
        expires_at: options.expiresAt ?? null,
      })
      .execute();
    return { id, token };
  };

  return {
    createUser: (user) => insertUser(db, user),
    createWorkspace: (workspace) => audited(db, (trx) => insertWorkspace(trx, workspace)),
    createToken: (options) => audited(db, (trx) => insertToken(trx, options)),

    async getWorkspace(id) {
      const row = await db
        .selectFrom('workspaces')
        .select(['id', 'name', 'usage_limit_ms'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          name: row.name,
          usageLimitMs: row.usage_limit_ms === null ? null : Number(row.usage_limit_ms),
        }
      );
    },
    async updateWorkspace(id, patch) {
      await audited(db, (trx) =>
        trx
          .updateTable('workspaces')
          .set({
            ...(patch.name === undefined ? {} : { name: patch.name }),
            ...(patch.usageLimitMs === undefined ? {} : { usage_limit_ms: patch.usageLimitMs }),
          })
          .where('id', '=', id)
          .execute(),
      );
    },

    async listTokens(workspaceId, userId) {
      let query = tokens().where('workspace_id', '=', workspaceId);
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      return (await query.orderBy('created_at').execute()).map(toTokenInfo);
    },
    async getToken(workspaceId, tokenId) {
      const row = await tokens()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', tokenId)
        .executeTakeFirst();
      return row && toTokenInfo(row);
    },
    async revokeToken(workspaceId, tokenId) {
      const result = await audited(db, (trx) =>
        trx
          .updateTable('api_tokens')
          .set({ revoked_at: Date.now() })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', tokenId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0;
    },

    async bootstrap({ adminToken, adminEmail, adminPassword, hashPassword }) {
      // scrypt takes a tenth of a second: hash only when an owner needs a password (the first start, or once
      // for an owner from before sign-in existed), and before the transaction, which must not wait for it.
      const before = await firstOwner(db);
      const needsPassword = before === undefined || before.owner?.password_hash === null;
      const password = adminPassword ?? generatePassword();
      const passwordHash = hashPassword !== undefined && needsPassword ? await hashPassword(password) : null;
      const generatedPassword =
        adminPassword === undefined && passwordHash !== null ? { generatedPassword: password } : {};
      return db.transaction().execute(async (trx) => {
        // Several processes may start together on one Postgres; only one may create the owner.
        if (dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`.execute(trx);
        const existing = await firstOwner(trx);
        if (existing) {
          const { workspaceId, owner } = existing;
          if (owner && owner.password_hash === null && passwordHash !== null) {
            await trx
              .updateTable('users')
              .set({ password_hash: passwordHash })
              .where('id', '=', owner.id)
              .execute();
            return { created: false, workspaceId, ownerEmail: owner.email, ...generatedPassword };
          }
          return { created: false, workspaceId, ownerEmail: owner?.email ?? '' };
        }
        const email = (adminEmail ?? DEFAULT_OWNER_EMAIL).toLowerCase();
        const userId = await insertUser(trx, { email, name: 'Owner', passwordHash });
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
          ...generatedPassword,
        };
      });
    },

    async describeToken(token) {
      const row = await db
        .selectFrom('api_tokens')
        .select(['id', 'workspace_id', 'name', 'revoked_at', 'expires_at'])
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row) return undefined;
      const state =
        row.revoked_at !== null
          ? 'revoked'
          : row.expires_at !== null && row.expires_at <= Date.now()
            ? 'expired'
            : 'live';
      return { id: row.id, workspaceId: row.workspace_id, name: row.name, state };
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
          'api_tokens.name',
          'api_tokens.roles',
          'api_tokens.revoked_at',
          'api_tokens.expires_at',
          'api_tokens.last_used_at',
          'memberships.roles as member_roles',
        ])
        .where('api_tokens.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      const now = Date.now();
      if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now))
        return undefined;
      // Last use is kept to the minute: one write per token per minute, not per request.
      if (row.last_used_at === null || now - row.last_used_at > 60_000) {
        // Bookkeeping, not a change anyone made: no audit event, no transaction.
        await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      }
      // A member's token acts with the member's current roles; a removed member's token acts with none.
      if (row.user_id !== null && row.member_roles === null) return undefined;
      const roles = JSON.parse(row.user_id !== null ? (row.member_roles ?? '[]') : row.roles) as RoleGrant[];
      return {
        via: 'token',
        tokenId: row.id,
        workspaceId: row.workspace_id,
        userId: row.user_id,
        label: row.name,
        roles,
      };
    },
  };
}
