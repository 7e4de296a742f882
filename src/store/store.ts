// The store's port: what the rest of Switchyard may ask of the database. Only store/ knows drivers.
import type { AuditRepository } from './audit-repository.ts';
import type { DeliveryLogRepository } from './delivery-log-repository.ts';
import type { DeliveryQueue, NewDelivery } from './delivery-queue.ts';
import type { DestinationRepository } from './destination-repository.ts';
import type { FunctionRepository } from './function-repository.ts';
import type { PeopleRepository } from './people-repository.ts';
import type { RegulationRepository } from './regulation-repository.ts';
import type { Dialect } from './schema.ts';

export interface Store {
  readonly dialect: Dialect;
  /** SQLite: the database file, which invoker processes open read-only to read the events they run. */
  readonly sqliteFile?: string;
  readonly events: EventRepository;
  readonly sources: SourceRepository;
  readonly access: AccessRepository;
  readonly people: PeopleRepository;
  readonly audit: AuditRepository;
  readonly functions: FunctionRepository;
  readonly destinations: DestinationRepository;
  readonly deliveries: DeliveryQueue;
  readonly deliveryLog: DeliveryLogRepository;
  readonly regulations: RegulationRepository;
  close(): Promise<void>;
}

/** One event ready to store: its columns, and the normalised event as JSON. */
export interface EventRow {
  readonly sourceId: string;
  readonly messageId: string;
  readonly type: string;
  readonly userId: string | null;
  readonly anonymousId: string | null;
  readonly receivedAt: number;
  readonly body: string;
  /** Deliveries to create with the event, one per destination that should get it. */
  readonly deliveries?: readonly NewDelivery[];
  /** Destinations connected to the source that filters kept this event from (counted, not delivered). */
  readonly filteredOut?: readonly string[];
  /**
   * The event's `integrations` object, known at ingest: null when it has none (or an empty one), so that
   * routing need not parse the body to apply it. Undefined: not known.
   */
  readonly integrations?: Readonly<Record<string, unknown>> | null;
}

export interface EventRepository {
  /**
   * Commits all rows, with their deliveries, in one transaction; a row whose (source, messageId) is already
   * stored is skipped, deliveries included. Resolves only once the transaction is durable. Returns how many
   * rows were new.
   */
  insertMany(rows: readonly EventRow[]): Promise<number>;
  /** The most recent events of a source, newest first, as stored (parsed JSON). */
  recent(sourceId: string, limit: number): Promise<unknown[]>;
  count(sourceId: string): Promise<number>;
}

export interface Source {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly writeKey: string;
  readonly createdAt: string;
}

export interface Page<T> {
  readonly data: T[];
  /** Pass as `cursor` to get the next page; null on the last one. */
  readonly next: string | null;
}

export interface SourceRepository {
  create(workspaceId: string, name: string): Promise<Source>;
  get(workspaceId: string, id: string): Promise<Source | undefined>;
  list(workspaceId: string, options: { limit: number; cursor?: string | undefined }): Promise<Page<Source>>;
  findByWriteKey(writeKey: string): Promise<Source | undefined>;
}

export interface RoleGrant {
  readonly role: 'workspace_owner' | 'functions_admin' | 'functions_read_only' | 'source_admin';
  readonly resourceIds?: readonly string[];
}

/** Who is calling, resolved from a bearer token or a browser session. */
export interface Principal {
  readonly via: 'token' | 'session';
  /** The token's id, or the session's. */
  readonly tokenId: string;
  readonly workspaceId: string;
  readonly userId: string | null;
  /** For the audit trail: the token's name or the user's email. */
  readonly label: string;
  readonly roles: readonly RoleGrant[];
  /** A session's CSRF token (the web app gets it back from /me after a reload). */
  readonly csrfToken?: string;
}

export interface WorkspaceInfo {
  readonly id: string;
  readonly name: string;
  /** Monthly execution-time budget; null: unlimited. */
  readonly usageLimitMs: number | null;
}

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  /** The member a personal token acts for; null for a workspace token with its own roles. */
  readonly userId: string | null;
  readonly roles: readonly RoleGrant[];
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export interface BootstrapResult {
  /** False when the store already had a workspace: nothing was created. */
  readonly created: boolean;
  readonly workspaceId: string;
  readonly ownerEmail: string;
  /** The owner's API token, present only when it was generated now (print it once). */
  readonly generatedToken?: string;
  /** The owner's password, present only when it was generated now (print it once). */
  readonly generatedPassword?: string;
}

export interface AccessRepository {
  /** A user who cannot sign in until a password is set (people.setPassword); returns the id. */
  createUser(user: { email: string; name: string }): Promise<string>;
  /** A workspace owned by an existing user; returns the id. */
  createWorkspace(workspace: { name: string; ownerUserId: string }): Promise<string>;
  /**
   * A new API token, returned once. With userId it acts with that member's roles; without, with `roles`.
   */
  createToken(token: {
    workspaceId: string;
    userId: string | null;
    name: string;
    roles?: readonly RoleGrant[];
    expiresAt?: number | null;
  }): Promise<{ id: string; token: string }>;
  getWorkspace(id: string): Promise<WorkspaceInfo | undefined>;
  updateWorkspace(id: string, patch: { name?: string; usageLimitMs?: number | null }): Promise<void>;
  /** The workspace's tokens (revoked ones too, marked), or only those acting for `userId`. */
  listTokens(workspaceId: string, userId?: string): Promise<TokenInfo[]>;
  getToken(workspaceId: string, tokenId: string): Promise<TokenInfo | undefined>;
  /** False when there is no such live token in the workspace. */
  revokeToken(workspaceId: string, tokenId: string): Promise<boolean>;
  /** On first start: the default workspace, its owner and the owner's API token. Idempotent. */
  bootstrap(options: {
    adminToken?: string | undefined;
    adminEmail?: string | undefined;
    /** The owner's password (SWITCHYARD_ADMIN_PASSWORD), or one generated and returned once. */
    adminPassword?: string | undefined;
    /** How to hash it (the access domain's scrypt); without it the owner signs in only with the token. */
    hashPassword?: ((password: string) => Promise<string>) | undefined;
  }): Promise<BootstrapResult>;
  /** What a presented token is, whether or not it still works (to audit refused ones). */
  describeToken(
    token: string,
  ): Promise<
    { id: string; workspaceId: string; name: string; state: 'live' | 'revoked' | 'expired' } | undefined
  >;
  /** The principal for a presented bearer token, or undefined when unknown or revoked. */
  authenticate(token: string): Promise<Principal | undefined>;
}
