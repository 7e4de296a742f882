// People and sign-in beyond the foundation: browser sessions, invitations, token expiry, and the audit trail.
import type { MigrationStatements } from './migration-statements.ts';

export const access: MigrationStatements = (t) => [
  // The cookie carries a random secret; only its sha256 is stored, as for API tokens.
  `CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    csrf_token TEXT NOT NULL,
    ip TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
  )`,
  `CREATE INDEX sessions_user ON sessions (user_id)`,
  `CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL,
    roles TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
  )`,
  `CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at)`,
  `ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT`,
  // A monthly execution-time budget; when it is used up, delivery pauses (nothing is dropped).
  `ALTER TABLE workspaces ADD COLUMN usage_limit_ms BIGINT`,
  `CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at)`,
  // Append-only: no route updates or deletes a row.
  `CREATE TABLE audit_events (
    id ${t.serial},
    workspace_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_label TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    ip TEXT,
    summary TEXT
  )`,
  `CREATE INDEX audit_events_workspace ON audit_events (workspace_id, id)`,
  `CREATE INDEX audit_events_resource ON audit_events (workspace_id, resource_id, id)`,
];
