// The synchronous host services the prelude calls: text codecs, URL parsing, crypto. Each takes only copied
// primitives and byte arrays from user code, checks them, and returns copies; none returns a host object.
import { createHash, createHmac, getHashes, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ENCODINGS = new Set([
  'utf8',
  'utf-8',
  'hex',
  'base64',
  'base64url',
  'latin1',
  'binary',
  'ascii',
  'utf16le',
  'ucs2',
]);
const HASHES = new Set(getHashes());
/** Bytes one crypto call may digest, and random bytes one call may ask for (Web Crypto's own cap). */
const MAX_DIGEST_BYTES = 16 * 1024 * 1024;
const MAX_RANDOM_BYTES = 65_536;

function encoding(value: unknown): BufferEncoding {
  const name = typeof value === 'string' ? value.toLowerCase() : 'utf8';
  if (!ENCODINGS.has(name)) throw new TypeError(`Unknown encoding: ${String(value)}`);
  return name as BufferEncoding;
}

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError('expected bytes');
}

export function codec(op: unknown, input: unknown, enc: unknown): Uint8Array | string {
  switch (op) {
    case 'encode':
      return new Uint8Array(Buffer.from(String(input), encoding(enc)));
    case 'decode': {
      const bytes = bytesOf(input);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding(enc));
    }
    case 'atob': {
      const text = String(input).replace(/[\t\n\f\r ]/g, '');
      if (text.length % 4 === 1 || /[^A-Za-z0-9+/=]/.test(text) || /=[^=]/.test(text)) {
        throw new Error('InvalidCharacterError: The string to be decoded is not correctly encoded.');
      }
      return Buffer.from(text, 'base64').toString('latin1');
    }
    case 'btoa': {
      const text = String(input);
      // eslint-disable-next-line no-control-regex
      if (/[^\u0000-\u00ff]/.test(text)) {
        throw new Error(
          'InvalidCharacterError: The string to be encoded contains characters outside of the Latin1 range.',
        );
      }
      return Buffer.from(text, 'latin1').toString('base64');
    }
    default:
      throw new TypeError('unknown codec operation');
  }
}

type UrlParts = Record<(typeof URL_PARTS)[number], string>;
const URL_PARTS = [
  'href',
  'origin',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const;
const SETTABLE = new Set<string>(URL_PARTS.filter((p) => p !== 'origin'));

function partsOf(url: URL): UrlParts {
  const parts = {} as UrlParts;
  for (const part of URL_PARTS) parts[part] = url[part];
  return parts;
}

export function url(op: unknown, input: unknown, baseOrPart: unknown, value?: unknown): UrlParts {
  if (op === 'parse') {
    try {
      return partsOf(new URL(String(input), typeof baseOrPart === 'string' ? baseOrPart : undefined));
    } catch {
      throw new TypeError(`Invalid URL: ${String(input).slice(0, 200)}`);
    }
  }
  if (op === 'set' && typeof baseOrPart === 'string' && SETTABLE.has(baseOrPart)) {
    const parsed = new URL(String(input));
    (parsed as unknown as Record<string, string>)[baseOrPart] = String(value);
    return partsOf(parsed);
  }
  throw new TypeError('unknown url operation');
}

export function cryptoOp(
  kind: unknown,
  algorithm: unknown,
  key: unknown,
  parts: unknown,
): Uint8Array | string {
  switch (kind) {
    case 'uuid':
      return randomUUID();
    case 'random': {
      const size = Number(key);
      if (!Number.isInteger(size) || size < 0 || size > MAX_RANDOM_BYTES) {
        throw new RangeError(`random byte count must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
      }
      return new Uint8Array(randomBytes(size));
    }
    case 'hash':
    case 'hmac': {
      if (typeof algorithm !== 'string' || !HASHES.has(algorithm.toLowerCase())) {
        throw new Error(`Digest method not supported: ${String(algorithm)}`);
      }
      if (!Array.isArray(parts)) throw new TypeError('expected data');
      const digest =
        kind === 'hash'
          ? createHash(algorithm)
          : createHmac(algorithm, typeof key === 'string' ? key : bytesOf(key));
      let total = 0;
      for (const part of parts as unknown[]) {
        if (!Array.isArray(part)) throw new TypeError('expected data');
        const [data, enc] = part as [unknown, unknown];
        const chunk = enc === 'bytes' ? bytesOf(data) : Buffer.from(String(data), encoding(enc));
        total += chunk.byteLength;
        if (total > MAX_DIGEST_BYTES) throw new RangeError('too much data for one digest');
        digest.update(chunk);
      }
      return new Uint8Array(digest.digest());
    }
    default:
      throw new TypeError('unknown crypto operation');
  }
}

let lodashSource: string | undefined;
/** lodash 4's minified build, read once per process and compiled by an isolate only when it uses `_`. */
export function lodash(): string {
  lodashSource ??= readFileSync(createRequire(import.meta.url).resolve('lodash/lodash.min.js'), 'utf8');
  return lodashSource;
}
