import type { FastifyRequest } from 'fastify';
import { definitionsOf } from '../../functions/settings-schema.ts';
import { maskSettingValues } from '../../functions/setting-values.ts';
import type { SecretBox } from '../../secrets/secret-box.ts';
import { notFound } from '../../server/app-error.ts';
import type { FunctionRecord, VersionRecord } from '../../store/function-repository.ts';
import type { Store } from '../../store/store.ts';
import { authorize, principalOf } from '../authenticate.ts';
import type { Permission } from '../permissions.ts';

/**
 * The function named in the path, if the caller may `permission` it. Another workspace's function answers
 * exactly like a missing one (404); one the caller's role does not cover is a 403.
 */
export async function findFunction(
  store: Store,
  request: FastifyRequest,
  id: string,
  permission: Permission,
): Promise<{ fn: FunctionRecord; latest: VersionRecord }> {
  const fn = await store.functions.get(principalOf(request).workspaceId, id);
  if (fn === undefined) throw notFound('function');
  authorize(request, permission, fn.id);
  const latest = await store.functions.getVersion(fn.id, fn.latestVersionId);
  if (latest === undefined) throw notFound('function');
  return { fn, latest };
}

/** A function as the API shows it (Segment's Public API field names), with its latest version. */
export function presentFunction(
  fn: FunctionRecord,
  latest: VersionRecord,
  secrets: SecretBox,
  withCode = true,
) {
  const definitions = definitionsOf(latest);
  return {
    id: fn.id,
    workspaceId: fn.workspaceId,
    resourceType: 'DESTINATION',
    displayName: fn.displayName,
    description: fn.description,
    ...(withCode ? { code: latest.code } : {}),
    settings: definitions,
    version: { id: latest.id, number: latest.number },
    latestVersionId: latest.id,
    testSettings: maskSettingValues(definitions, fn.testSettings, secrets),
    createdAt: fn.createdAt,
    updatedAt: fn.updatedAt,
  };
}

export function presentVersion(
  version: VersionRecord,
  latestId: string,
  deployedTo: string[],
  withCode: boolean,
) {
  return {
    id: version.id,
    number: version.number,
    author: version.author,
    createdAt: version.createdAt,
    settings: definitionsOf(version),
    ...(withCode ? { code: version.code } : {}),
    isLatest: version.id === latestId,
    deployedTo,
  };
}
