import type { Principal, RoleGrant } from '../store/store.ts';

/**
 * What each role may do: the one table every management route is checked against. A grant with
 * resourceIds applies only to those resources; creating a resource needs an unscoped grant.
 */
export type Permission = 'sources:read' | 'sources:write';

const ROLE_PERMISSIONS: Record<RoleGrant['role'], readonly Permission[]> = {
  workspace_owner: ['sources:read', 'sources:write'],
  source_admin: ['sources:read', 'sources:write'],
  // Function authors pick sample events from sources in the editor.
  functions_admin: ['sources:read'],
  functions_read_only: ['sources:read'],
};

/** True when some grant of the principal allows `permission` on `resourceId` (or unscoped, when omitted). */
export function isAllowed(principal: Principal, permission: Permission, resourceId?: string): boolean {
  return principal.roles.some((grant) => {
    if (!ROLE_PERMISSIONS[grant.role]?.includes(permission)) return false;
    if (grant.role === 'workspace_owner' || grant.resourceIds === undefined) return true;
    return resourceId !== undefined && grant.resourceIds.includes(resourceId);
  });
}
