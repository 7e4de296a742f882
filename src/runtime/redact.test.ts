import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, sensitiveValues } from './redact.ts';

describe('createRedactor', () => {
  it('replaces a secret as written, URL-encoded and base64-encoded', () => {
    const redact = createRedactor(['p@ss word/1'])!;
    assert.equal(redact('key=p@ss word/1'), 'key=[redacted]');
    assert.equal(redact(`q=${encodeURIComponent('p@ss word/1')}`), 'q=[redacted]');
    assert.equal(redact(`basic ${Buffer.from('p@ss word/1').toString('base64')}`), 'basic [redacted]=');
  });

  it('leaves values too short to be secrets, and text without secrets', () => {
    assert.equal(createRedactor(['eu', 'yes']), undefined);
    assert.equal(createRedactor([]), undefined);
    assert.equal(createRedactor(['secret', 'eu'])!('region eu secret'), 'region eu [redacted]');
  });

  it('collects the string values of sensitive settings of every type', () => {
    const settings = { apiKey: 'k1', tokens: ['t1', 2], headers: { a: 'h1' }, plain: 'visible', flag: true };
    assert.deepEqual(sensitiveValues(settings, ['apiKey', 'tokens', 'headers', 'flag', 'missing']), [
      'k1',
      't1',
      'h1',
    ]);
  });
});
