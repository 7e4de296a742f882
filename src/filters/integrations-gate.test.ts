import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { integrationsAllow } from './integrations-gate.ts';

describe('integrationsAllow', () => {
  it('lets events through by default', () => {
    assert.equal(integrationsAllow({}, 'Webhook'), true);
    assert.equal(integrationsAllow({ integrations: { Mixpanel: false } }, 'Webhook'), true);
  });

  it('honours All: false, unless the destination is named with true', () => {
    assert.equal(integrationsAllow({ integrations: { All: false } }, 'Webhook'), false);
    assert.equal(integrationsAllow({ integrations: { All: false, Webhook: true } }, 'Webhook'), true);
    assert.equal(
      integrationsAllow({ integrations: { All: false, Webhook: { apiKey: 'x' } } }, 'Webhook'),
      true,
    );
  });

  it('honours the destination named with false, exactly', () => {
    assert.equal(integrationsAllow({ integrations: { Webhook: false } }, 'Webhook'), false);
    assert.equal(integrationsAllow({ integrations: { webhook: false } }, 'Webhook'), true);
  });
});
