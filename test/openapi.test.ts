// The OpenAPI document is generated from the route schemas, and the docs page is served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestServer, createTestServer } from './helpers/test-server.ts';

let server: TestServer;
before(async () => {
  server = await createTestServer('sqlite');
});
after(() => server.close());

describe('OpenAPI', () => {
  it('describes every management route with its schemas, and no tracking route', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const document = response.json<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>();
    assert.equal(document.openapi, '3.0.3');
    for (const path of [
      '/api/v1/sources',
      '/api/v1/sources/{id}/sample-events',
      '/api/v1/functions',
      '/api/v1/functions/{id}',
      '/api/v1/functions/{id}/versions',
      '/api/v1/functions/{id}/versions/{from}/diff/{to}',
      '/api/v1/functions/{id}/deploy',
      '/api/v1/functions/{id}/test',
      '/api/v1/destinations',
      '/api/v1/destinations/{id}',
    ]) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
    assert.ok(
      document.paths['/api/v1/functions']?.post?.requestBody,
      'request bodies come from the validation schemas',
    );
    assert.ok(
      !Object.keys(document.paths).some((p) => p.startsWith('/v1/')),
      'the tracking API is Segment’s, documented by Segment',
    );
  });

  it('serves a browsable docs page without authentication', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /text\/html/);
  });
});
