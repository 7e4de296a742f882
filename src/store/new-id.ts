import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 string: 22 characters carry 128 bits, enough for ids and write keys alike. */
export function randomBase62(length = 22): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely (248 = 4 × 62).
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const byte = bytes[i]!;
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out.length === length ? out : out + randomBase62(length - out.length);
}

/** Resource ids carry their kind, as Segment's do: `src_…`, `ws_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62()}`;
}
