import type { RoleGrant } from '../../store/store.ts';
import { ROLE_NAMES } from '../permissions.ts';

/** [{role, resourceIds?}] as the API takes it. */
export const rolesSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 20,
  items: {
    type: 'object',
    required: ['role'],
    additionalProperties: false,
    properties: {
      role: { type: 'string', enum: ROLE_NAMES },
      resourceIds: {
        type: 'array',
        maxItems: 500,
        items: { type: 'string', minLength: 1, maxLength: 64 },
      },
    },
  },
} as const;

/** Grants as stored: an owner grant is never scoped (it covers the workspace). */
export function normaliseRoles(roles: readonly RoleGrant[]): RoleGrant[] {
  return roles.map((grant) =>
    grant.role === 'workspace_owner' || grant.resourceIds === undefined
      ? { role: grant.role }
      : { role: grant.role, resourceIds: [...new Set(grant.resourceIds)] },
  );
}
