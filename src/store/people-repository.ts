// Users, memberships, browser sessions and invitations. Every query names its workspace: a member of one
// workspace can never reach another's rows through here.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { audited } from './audited-write.ts';
import { hashToken } from './hash-token.ts';
import { newId, randomBase62 } from './new-id.ts';
import type { Database } from './schema.ts';
import type { RoleGrant } from './store.ts';

export interface UserRecord {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string | null;
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly roles: readonly RoleGrant[];
  readonly createdAt: string;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly email: string;
  readonly workspaceId: string;
  readonly csrfToken: string;
  readonly roles: readonly RoleGrant[];
  readonly expiresAt: number;
}

export interface NewSession {
  readonly id: string;
  /** The cookie value: shown to the browser once, stored hashed. */
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly roles: readonly RoleGrant[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly acceptedAt: string | null;
}

export interface PeopleRepository {
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUser(userId: string): Promise<UserRecord | undefined>;
  createUser(user: { email: string; name: string; passwordHash: string | null }): Promise<string>;
  setPassword(userId: string, passwordHash: string): Promise<void>;
  listMembers(workspaceId: string): Promise<Member[]>;
  getMember(workspaceId: string, userId: string): Promise<Member | undefined>;
  /** False when the user is a member already. */
  addMember(workspaceId: string, userId: string, roles: readonly RoleGrant[]): Promise<boolean>;
  setMemberRoles(workspaceId: string, userId: string, roles: readonly RoleGrant[]): Promise<boolean>;
  /** Removes the membership and revokes the member's sessions and tokens in the workspace. */
  removeMember(workspaceId: string, userId: string): Promise<boolean>;
  workspacesOf(userId: string): Promise<{ id: string; name: string; roles: RoleGrant[] }[]>;
  createSession(session: {
    userId: string;
    workspaceId: string;
    ip: string | null;
    ttlMs: number;
  }): Promise<NewSession>;
  /** The live session for a cookie value, with the member's current roles; undefined otherwise. */
  sessionByToken(token: string, now: number): Promise<SessionRecord | undefined>;
  switchWorkspace(sessionId: string, workspaceId: string): Promise<void>;
  revokeSession(sessionId: string): Promise<void>;
  createInvitation(invitation: {
    workspaceId: string;
    email: string;
    roles: readonly RoleGrant[];
    invitedBy: string | null;
    ttlMs: number;
  }): Promise<{ id: string; token: string; expiresAt: string }>;
  listInvitations(workspaceId: string): Promise<Invitation[]>;
  revokeInvitation(workspaceId: string, id: string): Promise<boolean>;
  /** A valid invitation for the token (not accepted, revoked or expired), or undefined. */
  findInvitation(
    token: string,
    now: number,
  ): Promise<{ id: string; workspaceId: string; email: string; roles: RoleGrant[] } | undefined>;
  /** Marks the invitation accepted and makes the user a member with its roles, in one transaction. */
  acceptInvitation(id: string, userId: string, now: number): Promise<boolean>;
}

const iso = (time: number) => new Date(time).toISOString();
const grants = (json: string) => JSON.parse(json) as RoleGrant[];

export function createPeopleRepository(db: Kysely<Database>): PeopleRepository {
  const userColumns = ['id', 'email', 'name', 'password_hash'] as const;
  const toUser = (row: { id: string; email: string; name: string; password_hash: string | null }) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
  });
  const members = (workspaceId: string) =>
    db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'users.name', 'memberships.roles', 'memberships.created_at'])
      .where('memberships.workspace_id', '=', workspaceId);
  const toMember = (row: { id: string; email: string; name: string; roles: string; created_at: number }) => ({
    userId: row.id,
    email: row.email,
    name: row.name,
    roles: grants(row.roles),
    createdAt: iso(row.created_at),
  });

  return {
    async findUserByEmail(email) {
      const row = await db
        .selectFrom('users')
        .select(userColumns)
        .where('email', '=', email.toLowerCase())
        .executeTakeFirst();
      return row && toUser(row);
    },
    async findUser(userId) {
      const row = await db
        .selectFrom('users')
        .select(userColumns)
        .where('id', '=', userId)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async createUser(user) {
      const id = newId('usr');
      await audited(
        db,
        (trx) =>
          trx
            .insertInto('users')
            .values({
              id,
              email: user.email.toLowerCase(),
              name: user.name,
              password_hash: user.passwordHash,
              created_at: Date.now(),
            })
            .execute()
            .then(() => id), // names the user in the audit event
      );
      return id;
    },
    async setPassword(userId, passwordHash) {
      await audited(db, (trx) =>
        trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute(),
      );
    },
    async listMembers(workspaceId) {
      const rows = await members(workspaceId).orderBy('memberships.created_at').execute();
      return rows.map(toMember);
    },
    async getMember(workspaceId, userId) {
      const row = await members(workspaceId).where('users.id', '=', userId).executeTakeFirst();
      return row && toMember(row);
    },
    async addMember(workspaceId, userId, roles) {
      const result = await audited(db, (trx) =>
        trx
          .insertInto('memberships')
          .values({
            workspace_id: workspaceId,
            user_id: userId,
            roles: JSON.stringify(roles),
            created_at: Date.now(),
          })
          .onConflict((conflict) => conflict.columns(['workspace_id', 'user_id']).doNothing())
          .executeTakeFirst(),
      );
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async setMemberRoles(workspaceId, userId, roles) {
      const result = await audited(db, (trx) =>
        trx
          .updateTable('memberships')
          .set({ roles: JSON.stringify(roles) })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0;
    },
    async removeMember(workspaceId, userId) {
      return audited(db, async (trx) => {
        const now = Date.now();
        const removed = await trx
          .deleteFrom('memberships')
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) === 0) return false;
        await trx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
        await trx
          .updateTable('api_tokens')
          .set({ revoked_at: now })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
        return true;
      });
    },
    async workspacesOf(userId) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
        .select(['workspaces.id', 'workspaces.name', 'memberships.roles'])
        .where('memberships.user_id', '=', userId)
        .orderBy('memberships.created_at')
        .execute();
      return rows.map((row) => ({ id: row.id, name: row.name, roles: grants(row.roles) }));
    },
    async createSession({ userId, workspaceId, ip, ttlMs }) {
      const id = newId('ses');
      const token = randomBase62(43);
      const csrfToken = randomBytes(24).toString('base64url');
      const now = Date.now();
      const expiresAt = now + ttlMs;
      await audited(db, (trx) =>
        trx
          .insertInto('sessions')
          .values({
            id,
            token_hash: hashToken(token),
            user_id: userId,
            workspace_id: workspaceId,
            csrf_token: csrfToken,
            ip,
            created_at: now,
            expires_at: expiresAt,
            revoked_at: null,
          })
          .execute(),
      );
      return { id, token, csrfToken, expiresAt };
    },
    async sessionByToken(token, now) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('memberships', (join) =>
          join
            .onRef('memberships.workspace_id', '=', 'sessions.workspace_id')
            .onRef('memberships.user_id', '=', 'sessions.user_id'),
        )
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id',
          'sessions.user_id',
          'sessions.workspace_id',
          'sessions.csrf_token',
          'sessions.expires_at',
          'sessions.revoked_at',
          'memberships.roles',
          'users.email',
        ])
        .where('sessions.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || row.expires_at <= now) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        email: row.email,
        workspaceId: row.workspace_id,
        csrfToken: row.csrf_token,
        roles: grants(row.roles),
        expiresAt: row.expires_at,
      };
    },
    async switchWorkspace(sessionId, workspaceId) {
      await audited(db, (trx) =>
        trx.updateTable('sessions').set({ workspace_id: workspaceId }).where('id', '=', sessionId).execute(),
      );
    },
    async revokeSession(sessionId) {
      await audited(db, (trx) =>
        trx.updateTable('sessions').set({ revoked_at: Date.now() }).where('id', '=', sessionId).execute(),
      );
    },
    async createInvitation({ workspaceId, email, roles, invitedBy, ttlMs }) {
      const id = newId('inv');
      const token = `syi_${randomBase62(40)}`;
      const now = Date.now();
      await audited(db, (trx) =>
        trx
          .insertInto('invitations')
          .values({
            id,
            workspace_id: workspaceId,
            email: email.toLowerCase(),
            roles: JSON.stringify(roles),
            token_hash: hashToken(token),
            invited_by: invitedBy,
            created_at: now,
            expires_at: now + ttlMs,
            accepted_at: null,
            revoked_at: null,
          })
          .execute()
          .then(() => id),
      );
      return { id, token, expiresAt: iso(now + ttlMs) };
    },
    async listInvitations(workspaceId) {
      const rows = await db
        .selectFrom('invitations')
        .select(['id', 'email', 'roles', 'created_at', 'expires_at', 'accepted_at'])
        .where('workspace_id', '=', workspaceId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        email: row.email,
        roles: grants(row.roles),
        createdAt: iso(row.created_at),
        expiresAt: iso(row.expires_at),
        acceptedAt: row.accepted_at === null ? null : iso(row.accepted_at),
      }));
    },
    async revokeInvitation(workspaceId, id) {
      const result = await audited(db, (trx) =>
        trx
          .updateTable('invitations')
          .set({ revoked_at: Date.now() })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .where('accepted_at', 'is', null)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0;
    },
    async findInvitation(token, now) {
      const row = await db
        .selectFrom('invitations')
        .select(['id', 'workspace_id', 'email', 'roles', 'expires_at', 'accepted_at', 'revoked_at'])
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row || row.accepted_at !== null || row.revoked_at !== null || row.expires_at <= now)
        return undefined;
      return { id: row.id, workspaceId: row.workspace_id, email: row.email, roles: grants(row.roles) };
    },
    async acceptInvitation(id, userId, now) {
      return audited(db, async (trx) => {
        const taken = await trx
          .updateTable('invitations')
          .set({ accepted_at: now })
          .where('id', '=', id)
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .returning(['workspace_id', 'roles'])
          .executeTakeFirst();
        if (!taken) return false;
        // An existing member keeps the membership; the invitation's roles replace theirs.
        await trx
          .insertInto('memberships')
          .values({ workspace_id: taken.workspace_id, user_id: userId, roles: taken.roles, created_at: now })
          .onConflict((conflict) =>
            conflict.columns(['workspace_id', 'user_id']).doUpdateSet({ roles: taken.roles }),
          )
          .execute();
        return true;
      });
    },
  };
}
