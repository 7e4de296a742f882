import type { Principal, RoleGrant } from '../store/store.ts';

/**
 * What each role may do: the one table every management route is checked against. A grant with
 * resourceIds applies only to those resources; creating a resource needs an unscoped grant.
 */
export type Permission =
  | 'sources:read'
  | 'sources:write'
  /** Connect destinations to a source, or move a connected destination to a new version (Source Admin). */
  | 'sources:connect'
  | 'functions:read'
  | 'functions:write'
  /** Members, roles, workspace tokens, invitations and the audit trail (Workspace Owner only). */
  | 'workspace:admin';

// Destinations are checked against their function (functions:*) and their sources (sources:connect).
const ROLE_PERMISSIONS: Record<RoleGrant['role'], readonly Permission[]> = {
  workspace_owner: [
    'sources:read',
    'sources:write',
    'sources:connect',
    'functions:read',
    'functions:write',
    'workspace:admin',
  ],
  source_admin: ['sources:read', 'sources:write', 'sources:connect'],
  // Function authors pick sample events from sources in the editor.
  functions_admin: ['sources:read', 'functions:read', 'functions:write'],
  functions_read_only: ['sources:read', 'functions:read'],
};

/** The kind of resource a role's resourceIds name: its other permissions are never narrowed by them. */
const SCOPED_KIND: Partial<Record<RoleGrant['role'], string>> = {
  functions_admin: 'functions:',
  functions_read_only: 'functions:',
  source_admin: 'sources:',
};

/** A grant's permission applies to every resource of its kind, or only to its resourceIds. */
function scopeOf(grant: RoleGrant, permission: Permission): readonly string[] | 'all' {
  if (grant.resourceIds === undefined) return 'all';
  const kind = SCOPED_KIND[grant.role];
  return kind !== undefined && permission.startsWith(kind) ? grant.resourceIds : 'all';
}

/** True when some grant of the principal allows `permission` on `resourceId` (or unscoped, when omitted). */
export function isAllowed(principal: Principal, permission: Permission, resourceId?: string): boolean {
  return principal.roles.some((grant) => {
    if (!ROLE_PERMISSIONS[grant.role]?.includes(permission)) return false;
    const scope = scopeOf(grant, permission);
    return scope === 'all' || (resourceId !== undefined && scope.includes(resourceId));
  });
}

/** True when some grant allows `permission` on at least one resource (lists show what each may see). */
export function isAllowedOnSome(principal: Principal, permission: Permission): boolean {
  return principal.roles.some((grant) => ROLE_PERMISSIONS[grant.role]?.includes(permission));
}

export const ROLE_NAMES = Object.keys(ROLE_PERMISSIONS) as RoleGrant['role'][];
