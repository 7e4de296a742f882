// Workspaces, people, tokens, sources, events, and the delivery tables the pipeline fills.
import type { MigrationStatements } from './migration-statements.ts';

export const foundation: MigrationStatements = (t) => [
  `CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
  )`,
  `CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL
  )`,
  `CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    roles TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
  )`,
  `CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    user_id TEXT REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    roles TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
  )`,
  `CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    name TEXT NOT NULL,
    write_key TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  )`,
  `CREATE INDEX sources_workspace ON sources (workspace_id, created_at)`,
  `CREATE TABLE events (
    id ${t.serial},
    source_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    user_id TEXT,
    anonymous_id TEXT,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (source_id, message_id)
  )`,
  `CREATE INDEX events_source_recent ON events (source_id, id)`,
  `CREATE INDEX events_received ON events (received_at)`,
  `CREATE TABLE deliveries (
    id ${t.serial},
    event_id BIGINT NOT NULL,
    destination_id TEXT NOT NULL,
    state TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until BIGINT,
    crash_count INTEGER NOT NULL DEFAULT 0,
    category TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (event_id, destination_id)
  )`,
  // Workers claim due work per destination; only pending rows are ever scanned.
  `CREATE INDEX deliveries_due ON deliveries (destination_id, run_at) WHERE state = 'pending'`,
  `CREATE TABLE attempts (
    id ${t.serial},
    delivery_id BIGINT NOT NULL,
    number INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    category TEXT,
    error TEXT,
    logs TEXT,
    requests TEXT
  )`,
  `CREATE INDEX attempts_delivery ON attempts (delivery_id, number)`,
];
