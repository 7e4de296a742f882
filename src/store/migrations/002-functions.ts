// Functions and their immutable versions, destinations (deployed instances) and their sources.
import type { MigrationStatements } from './migration-statements.ts';

export const functions: MigrationStatements = () => [
  `CREATE TABLE functions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    latest_version_id TEXT,
    test_settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX functions_workspace ON functions (workspace_id, created_at)`,
  `CREATE TABLE function_versions (
    id TEXT PRIMARY KEY,
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    code TEXT NOT NULL,
    settings TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (function_id, number)
  )`,
  `CREATE TABLE destinations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    function_id TEXT NOT NULL REFERENCES functions(id),
    version_id TEXT NOT NULL REFERENCES function_versions(id),
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    settings TEXT NOT NULL,
    filters TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE INDEX destinations_workspace ON destinations (workspace_id, created_at)`,
  `CREATE INDEX destinations_function ON destinations (function_id)`,
  `CREATE TABLE destination_sources (
    destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    source_id TEXT NOT NULL REFERENCES sources(id),
    PRIMARY KEY (destination_id, source_id)
  )`,
  `CREATE INDEX destination_sources_source ON destination_sources (source_id)`,
];
