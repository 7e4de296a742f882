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

/** True when some grant of the principal allows `permission` on `resourceId` (or unscoped, when omitted). */
export function isAllowed(principal: Principal, permission: Permission, resourceId?: string): boolean {
  return principal.roles.some((grant) => {
    if (!ROLE_PERMISSIONS[grant.role]?.includes(permission)) return false;
    if (grant.role === 'workspace_owner' || grant.resourceIds === undefined) return true;
    return resourceId !== undefined && grant.resourceIds.includes(resourceId);
  });
}

export const ROLE_NAMES = Object.keys(ROLE_PERMISSIONS) as RoleGrant['role'][];
