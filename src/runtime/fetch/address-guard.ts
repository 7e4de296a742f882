import { BlockList, isIP } from 'node:net';

// Addresses a function may not reach unless SWITCHYARD_FETCH_ALLOW lists them: loopback, private, link-local
// (cloud metadata at 169.254.169.254), CGNAT, unspecified, multicast, reserved, and their IPv6 forms.
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const DECISIONS_KEPT = 1_024;

/**
 * Decides which addresses outbound requests may connect to. The check is made on the address actually
 * connected to (after DNS), so a name that resolves to a private address — or re-resolves to one later
 * (DNS rebinding) — is refused.
 */
export class AddressGuard {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();
  private readonly allowedHosts = new Set<string>();
  /** Recent answers of refuse: '' for allowed. */
  private readonly decided = new Map<string, string>();

  /** `allow`: host names, addresses or CIDRs (SWITCHYARD_FETCH_ALLOW). */
  constructor(allow: readonly string[]) {
    for (const [address, prefix] of BLOCKED_V4) this.blocked.addSubnet(address, prefix, 'ipv4');
    for (const [address, prefix] of BLOCKED_V6) this.blocked.addSubnet(address, prefix, 'ipv6');
    for (const entry of allow) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) {
        this.allowedHosts.add(entry.toLowerCase());
      } else {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        this.allowed.addSubnet(address!, bits, type);
      }
    }
  }

  /** A host name listed in the allow list may resolve to anything. */
  isHostAllowed(hostname: string): boolean {
    return this.allowedHosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  /** Why the address is refused, or undefined when it may be connected to. */
  refuse(address: string): string | undefined {
    // BlockList.check builds a SocketAddress per call (microseconds on every fetch); the answer for an
    // address never changes, and functions call the same few hosts over and over.
    const known = this.decided.get(address);
    if (known !== undefined) return known === '' ? undefined : known;
    const reason = this.decide(address);
    if (this.decided.size >= DECISIONS_KEPT) this.decided.clear();
    this.decided.set(address, reason ?? '');
    return reason;
  }

  private decide(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return `${address} is not an IP address`;
    const v4 = family === 6 ? embeddedIpv4(address) : address;
    if (v4 !== undefined) {
      if (this.allowed.check(v4, 'ipv4')) return undefined;
      return this.blocked.check(v4, 'ipv4')
        ? `${address} is a private, loopback or reserved address`
        : undefined;
    }
    if (this.allowed.check(address, 'ipv6')) return undefined;
    return this.blocked.check(address, 'ipv6')
      ? `${address} is a private, loopback or reserved address`
      : undefined;
  }
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96) or NAT64 (64:ff9b::/96) address. */
export function embeddedIpv4(v6: string): string | undefined {
  const bytes = ipv6Bytes(v6);
  if (bytes === undefined) return undefined;
  const prefix = bytes.subarray(0, 12);
  const mapped = prefix.every((b, i) => (i < 10 ? b === 0 : b === 0xff));
  const compatible = prefix.every((b) => b === 0) && !(bytes[12] === 0 && bytes[13] === 0 && bytes[14] === 0);
  const nat64 =
    bytes[0] === 0 &&
    bytes[1] === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    prefix.subarray(4).every((b) => b === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  return Array.from(bytes.subarray(12)).join('.');
}

function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}
