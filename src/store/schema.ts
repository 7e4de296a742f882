/**
 * The store's schema, the same on SQLite and Postgres.
 *
 * Glossary — these words mean one thing everywhere in Switchyard:
 * - workspace:   the tenant. Every source, function, destination, token and member belongs to exactly one.
 * - source:      where events come from; identified on the tracking API by its write key.
 * - event:       one Segment-spec message (identify, track, …) as ingested and normalised, stored once,
 *                de-duplicated per (source, messageId).
 * - function:    user code with handlers (onTrack, …) and a settings schema; edited in the editor.
 * - version:     an immutable snapshot of a function's code and settings schema; every save makes one.
 * - destination: a deployed instance of a function, pinned to one version, with its own setting values,
 *                connected to sources. ("instance" in Segment's words.)
 * - delivery:    one (event, destination) pair that must be settled: small, mutable, leased by workers.
 * - attempt:     one run of a function for a delivery; append-only, the Event Delivery log.
 *
 * Times are epoch milliseconds (bigint) so that windows and ordering are plain integer comparisons on
 * both databases. JSON documents are stored as text.
 */
import type { Generated } from 'kysely';

export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: number;
  /** Monthly execution-time budget in ms; null: none. */
  usage_limit_ms: number | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: number;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  /** JSON array of {role, resourceIds?} */
  roles: string;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  /** The member the token acts for, or null for a workspace token with its own roles. */
  user_id: string | null;
  name: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  /** JSON array of {role, resourceIds?}; ignored when user_id is set (the member's roles apply). */
  roles: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

/** A browser sign-in: the cookie's secret is hashed like a token; mutations must echo csrf_token. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  /** The workspace the session acts in (switchable among the user's memberships). */
  workspace_id: string;
  csrf_token: string;
  ip: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface InvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  roles: string;
  token_hash: string;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}

/** The audit trail: who did what to which resource, from where, and whether it was allowed. */
export interface AuditEventsTable {
  id: Generated<number>;
  workspace_id: string;
  at: number;
  /** user | token | anonymous */
  actor_type: string;
  actor_id: string | null;
  /** The user's email or the token's name, as it was then. */
  actor_label: string | null;
  action: string;
  /** ok | denied | failed */
  outcome: string;
  resource_type: string | null;
  resource_id: string | null;
  ip: string | null;
  /** JSON: what changed — field names, never secret values. */
  summary: string | null;
}

export interface SourcesTable {
  id: string;
  workspace_id: string;
  name: string;
  write_key: string;
  created_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  source_id: string;
  message_id: string;
  type: string;
  user_id: string | null;
  anonymous_id: string | null;
  received_at: number;
  /** The normalised event as JSON. */
  body: string;
}

export interface DeliveriesTable {
  id: Generated<number>;
  event_id: number;
  destination_id: string;
  /** pending | leased | delivered | discarded | dead | throttled */
  state: string;
  run_at: number;
  attempts: number;
  lease_until: number | null;
  crash_count: number;
  category: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** The event as the function receives it when filters changed it; null: the stored event. */
  payload: string | null;
}

export interface AttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  number: number;
  started_at: number;
  duration_ms: number;
  /** delivered | retry | discarded | dead | throttled */
  outcome: string;
  category: string | null;
  error: string | null;
  /** JSON: captured console lines, capped and redacted. */
  logs: string | null;
  /** JSON: outgoing requests and responses, capped and redacted. */
  requests: string | null;
  destination_id: string | null;
  event_id: number | null;
}

/** Per destination and minute: how many deliveries ended how, and the execution time they used. */
export interface DeliveryCountsTable {
  destination_id: string;
  minute: number;
  /** delivered | retry | discarded | dead | filtered */
  outcome: string;
  /** '' when the outcome has none. */
  category: string;
  count: number;
  duration_ms: number;
}

export interface FunctionsTable {
  id: string;
  workspace_id: string;
  display_name: string;
  description: string;
  /** The newest version; null only inside the transaction that creates the function. */
  latest_version_id: string | null;
  /** JSON object of the editor's Test tab values; sensitive ones encrypted. */
  test_settings: string;
  created_at: number;
  updated_at: number;
}

export interface FunctionVersionsTable {
  id: string;
  function_id: string;
  /** 1, 2, 3… per function, in order of saving. */
  number: number;
  code: string;
  /** JSON array of setting definitions {name, label, type, description, required, sensitive}. */
  settings: string;
  /** Who saved it: a user id or an API token id. */
  author: string;
  created_at: number;
  /** JSON array of the handler names the code defines. */
  handlers: string;
}

export interface DestinationsTable {
  id: string;
  workspace_id: string;
  function_id: string;
  /** The version this instance runs; moves only on deploy. */
  version_id: string;
  name: string;
  /** 1 or 0: the same column type on both databases. */
  enabled: number;
  /** JSON object of setting values; sensitive ones encrypted. */
  settings: string;
  /** JSON array of destination filters [{if, actions}]. */
  filters: string;
  created_at: number;
  updated_at: number;
  /** JSON array of retry delays in ms; null: Segment's schedule. */
  retry_schedule: string | null;
}

export interface DestinationSourcesTable {
  destination_id: string;
  source_id: string;
}

export interface Database {
  functions: FunctionsTable;
  function_versions: FunctionVersionsTable;
  destinations: DestinationsTable;
  destination_sources: DestinationSourcesTable;
  delivery_counts: DeliveryCountsTable;
  workspaces: WorkspacesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  sources: SourcesTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
}

export type Dialect = 'sqlite' | 'postgres';
