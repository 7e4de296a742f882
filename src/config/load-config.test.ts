import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load-config.ts';

describe('loadConfig', () => {
  it('has the documented defaults and is frozen', () => {
    const config = loadConfig([], {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.databaseUrl, undefined);
    assert.deepEqual(config.fetchAllow, []);
    assert.ok(
      Object.isFrozen(config) && Object.isFrozen(config.ingest) && Object.isFrozen(config.fetchAllow),
    );
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      PORT: '9000',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://x@h/db',
      SWITCHYARD_FETCH_ALLOW: ' 127.0.0.1, 10.0.0.0/8 ,',
    };
    const config = loadConfig(['--port', '9100', '--data-dir', '/tmp/sy'], env);
    assert.equal(config.port, 9100);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/tmp/sy');
    assert.equal(config.databaseUrl, 'postgres://x@h/db');
    assert.deepEqual(config.fetchAllow, ['127.0.0.1', '10.0.0.0/8']);
  });

  it('refuses bad values with a message naming them', () => {
    assert.throws(() => loadConfig([], { PORT: '70000' }), ConfigError);
    assert.throws(() => loadConfig([], { DATABASE_URL: 'mysql://x' }), /must start with postgres/);
    assert.throws(() => loadConfig([], { SWITCHYARD_ADMIN_TOKEN: 'short' }), /at least 16/);
    assert.throws(() => loadConfig([], { LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(
      () => loadConfig([], { SWITCHYARD_DESTINATION_IN_FLIGHT: '0' }),
      /SWITCHYARD_DESTINATION_IN_FLIGHT must be an integer from 1 to 256/,
    );
    assert.equal(
      loadConfig([], { SWITCHYARD_DESTINATION_IN_FLIGHT: '4' }).worker.maxInFlightPerDestination,
      4,
    );
    assert.throws(() => loadConfig(['--bogus'], {}), /bogus/);
  });
});
