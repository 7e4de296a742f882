// A client left running with a revoked token: the audit trail gets one row per ten minutes, not one per
// request, yet counts every refusal — including those after the last row, when the client stops or the
// server shuts down before the next row would have counted them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiClient } from './helpers/api-client.ts';
import { TEST_ADMIN_TOKEN, createTestServer } from './helpers/test-server.ts';

describe('refused token uses in the audit trail', () => {
  it('counts the refusals held back after the last row when the server stops', async () => {
    const server = await createTestServer('sqlite');
    try {
      const owner = apiClient(server.app, TEST_ADMIN_TOKEN);
      const token = await owner<{ id: string; token: string }>('POST', '/api/v1/tokens', {
        name: 'left running',
        roles: [{ role: 'functions_read_only' }],
      });
      assert.equal((await owner('DELETE', `/api/v1/tokens/${token.body.id}`)).status, 204);
      const revoked = apiClient(server.app, token.body.token);
      for (let i = 0; i < 6; i++) assert.equal((await revoked('GET', '/api/v1/sources')).status, 401);

      const trail = async () =>
        (await server.store.audit.list(server.workspaceId, { actor: token.body.id, limit: 50 })).events
          .filter((event) => event.action === 'auth.token-refused')
          .map((event) => event.summary);
      assert.deepEqual(await trail(), [{ state: 'revoked', method: 'GET', url: '/api/v1/sources' }]);

      // Stopping writes what the throttle held back: the last refusal, counting the four before it.
      await server.app.close();
      assert.deepEqual(await trail(), [
        { state: 'revoked', method: 'GET', url: '/api/v1/sources', refusedSinceLastRecorded: 4 },
        { state: 'revoked', method: 'GET', url: '/api/v1/sources' },
      ]);
    } finally {
      await server.close();
    }
  });
});
