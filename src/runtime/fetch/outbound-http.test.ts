import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runtimeOptions } from '../runtime-options.ts';
import { AddressGuard } from './address-guard.ts';
import { OutboundHttp } from './outbound-http.ts';

describe('OutboundHttp', () => {
  it('replaces its connection agent after serving many origins, and keeps answering', async () => {
    // Three listeners are three origins, one more than the agent may serve: the third gets a fresh agent.
    const servers = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<ReturnType<typeof createServer>>((resolve) => {
            const server = createServer((_request, response) => response.end('ok'));
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const options = runtimeOptions({ fetchAllow: ['127.0.0.1'] });
    const http = new OutboundHttp(options.outbound, new AddressGuard(options.fetchAllow), 2);
    const context = () => ({ deadline: Date.now() + 5_000, requests: 0, record: () => undefined });
    const get = (port: number) =>
      http.fetch({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: [] }, context());
    try {
      const ports = servers.map((server) => (server.address() as AddressInfo).port);
      const statuses = [];
      for (const port of [...ports, ports[0]!]) {
        const outcome = await get(port);
        statuses.push('status' in outcome ? outcome.status : outcome.error.message);
        assert.ok(http.originCount <= 2, `the agent holds ${http.originCount} origins`);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200], 'requests go on across the replacement');
    } finally {
      await http.close();
      for (const server of servers) server.close();
    }
  });
});
