import type { FastifyInstance } from 'fastify';
import { TEST_ADMIN_TOKEN } from './test-server.ts';

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** Calls the management API in-process (Fastify inject) with a bearer token. */
export function apiClient(app: FastifyInstance, token: string | null = TEST_ADMIN_TOKEN) {
  return async <T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> => {
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (response.body === '' ? {} : response.json()) as T };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** The error code of an answer, for short assertions. */
export const errorCode = (answer: ApiAnswer): string | undefined =>
  (answer.body.error as { code?: string } | undefined)?.code;
