import { createHash } from 'node:crypto';

/**
 * Tokens are 128+ random bits, so a fast hash is enough to make a stolen table useless (unlike passwords,
 * which need a memory-hard KDF). Lookups are by this hash.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
