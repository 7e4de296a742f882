import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressGuard, embeddedIpv4 } from './address-guard.ts';

describe('AddressGuard', () => {
  const guard = new AddressGuard([]);

  it('refuses every private, loopback, link-local, CGNAT, unspecified and reserved form', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      '::127.0.0.1',
      'ff02::1',
    ]) {
      assert.ok(guard.refuse(address), `${address} must be refused`);
    }
  });

  it('lets public addresses through', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(guard.refuse(address), undefined, address);
    }
  });

  it('allows listed addresses, CIDRs and names only', () => {
    const allowing = new AddressGuard(['127.0.0.1', '10.0.0.0/8', 'Internal.Example', '::1']);
    assert.equal(allowing.refuse('127.0.0.1'), undefined);
    assert.equal(allowing.refuse('::ffff:127.0.0.1'), undefined, 'the mapped form of an allowed address');
    assert.ok(allowing.refuse('127.0.0.2'));
    assert.equal(allowing.refuse('10.9.8.7'), undefined);
    assert.equal(allowing.refuse('::1'), undefined);
    assert.ok(allowing.isHostAllowed('internal.example'));
    assert.ok(!allowing.isHostAllowed('example'));
  });

  it('reads the IPv4 address inside IPv6 forms', () => {
    assert.equal(embeddedIpv4('::ffff:192.168.0.1'), '192.168.0.1');
    assert.equal(embeddedIpv4('::ffff:c0a8:1'), '192.168.0.1');
    assert.equal(embeddedIpv4('64:ff9b::c0a8:1'), '192.168.0.1');
    assert.equal(embeddedIpv4('2001:db8::1'), undefined);
    assert.equal(embeddedIpv4('::1'), undefined);
  });
});
