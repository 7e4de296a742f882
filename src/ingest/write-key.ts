import type { Source, SourceRepository } from '../store/store.ts';

/** The write key from HTTP Basic (key as user name, empty password) or the body's writeKey, in that order. */
export function extractWriteKey(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.split(':')[0];
    if (user) return user;
  }
  if (typeof body === 'object' && body !== null && 'writeKey' in body) {
    const key = body.writeKey;
    if (typeof key === 'string' && key !== '') return key;
  }
  return undefined;
}

const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * Caches write key → source so that ingest does not query the store per request. Unknown keys are cached
 * too (a client with a bad key retries a lot), and the map is bounded so random keys cannot grow it.
 * A deleted source may keep accepting events for up to TTL_MS.
 */
export class WriteKeyCache {
  private readonly entries = new Map<string, { source: Source | undefined; expires: number }>();

  constructor(private readonly sources: SourceRepository) {}

  async find(writeKey: string): Promise<Source | undefined> {
    const now = Date.now();
    const hit = this.entries.get(writeKey);
    if (hit !== undefined && hit.expires > now) return hit.source;
    const source = await this.sources.findByWriteKey(writeKey);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(writeKey, { source, expires: now + TTL_MS });
    return source;
  }
}
