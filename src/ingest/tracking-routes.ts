import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientEventType } from '../spec/event-types.ts';
import { MAX_REQUEST_BYTES } from '../spec/limits.ts';
import { AppError } from '../server/app-error.ts';
import { sendError, toAppError } from '../server/error-handler.ts';
import type { EventRow } from '../store/store.ts';
import { trackingError } from './decode-body.ts';
import { ClosedError, type GroupCommitter, SaturatedError } from './group-committer.ts';
import type { IngestParsers } from './ingest-parsers.ts';
import { errorOf } from './parse-tracking.ts';
import type { WriteKeyCache } from './write-key.ts';

export interface TrackingRoutesOptions {
  readonly committer: GroupCommitter;
  readonly writeKeys: WriteKeyCache;
  readonly parsers: IngestParsers;
}

/** Route → event type. The one-letter paths are analytics.js's. */
const SINGLE_ROUTES: Record<string, ClientEventType> = {
  identify: 'identify',
  i: 'identify',
  track: 'track',
  t: 'track',
  page: 'page',
  p: 'page',
  screen: 'screen',
  s: 'screen',
  group: 'group',
  g: 'group',
  alias: 'alias',
  a: 'alias',
};
const BATCH_ROUTES = ['batch', 'b', 'import'];

/**
 * Segment's tracking API under /v1. A request is answered 200 only after its events are committed; a batch
 * with invalid items stores the valid ones and lists the rest. Register with prefix '/v1'.
 */
export async function trackingRoutes(app: FastifyInstance, options: TrackingRoutesOptions): Promise<void> {
  const { committer, writeKeys, parsers } = options;

  // Fastify's own errors here (body too large, …) get the tracking API's success: false too.
  app.setErrorHandler((error: Error, request, reply) =>
    sendError(request, reply, toAppError(error), { success: false }),
  );

  // Browsers post cross-origin from any site that embeds analytics.js.
  await app.register(cors, { origin: true, methods: ['POST'], maxAge: 86_400 });

  // Bytes, not parsed JSON: the body may be gzip, text/plain or not UTF-8, and each needs its own answer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES },
    (_request, body, done) => {
      done(null, body);
    },
  );

  const accept = async (request: FastifyRequest, reply: FastifyReply, type: ClientEventType | 'batch') => {
    // Decoding, validation and normalisation happen in the parser thread; the answers are the same, and in
    // the same order: an unreadable body, then the write key, then the events.
    const parsed = await parsers.parse({
      type,
      contentType: request.headers['content-type'],
      contentEncoding: request.headers['content-encoding'],
      body: request.body as Buffer | undefined,
      authorization: request.headers.authorization,
      receivedAt: Date.now(),
      ip: request.ip,
    });
    if ('unreadable' in parsed) throw errorOf(parsed.unreadable);
    const sourceId = await authenticate(writeKeys, parsed.writeKey);
    if (parsed.refused !== undefined) throw errorOf(parsed.refused);
    const { rows, rejected } = parsed;
    for (const row of rows) Object.assign(row, { sourceId });

    if (type !== 'batch') {
      await commit(committer, rows);
      return reply.send({ success: true });
    }
    if (rows.length === 0) {
      throw trackingError(400, 'invalid_events', 'no event in the batch is valid', { rejected });
    }
    await commit(committer, rows);
    return reply.send(rejected.length === 0 ? { success: true } : { success: true, rejected });
  };

  for (const [path, type] of Object.entries(SINGLE_ROUTES)) {
    app.post(`/${path}`, (request, reply) => accept(request, reply, type));
  }
  for (const path of BATCH_ROUTES) {
    app.post(`/${path}`, (request, reply) => accept(request, reply, 'batch'));
  }
}

async function authenticate(writeKeys: WriteKeyCache, writeKey: string | undefined): Promise<string> {
  if (writeKey === undefined) {
    throw trackingError(
      401,
      'missing_write_key',
      'send the write key as HTTP Basic user name or as "writeKey"',
    );
  }
  const source = await writeKeys.find(writeKey);
  if (source === undefined) throw trackingError(401, 'invalid_write_key', 'the write key is not known');
  return source.id;
}

/** Waits for durability; a saturated or failing writer is a 503 the client retries (analytics-node does). */
async function commit(committer: GroupCommitter, rows: EventRow[]): Promise<void> {
  try {
    await committer.submit(rows);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason =
      error instanceof SaturatedError
        ? 'too many events are waiting to be stored'
        : error instanceof ClosedError
          ? 'the server is shutting down'
          : 'the events could not be stored';
    throw new AppError(503, 'unavailable', `${reason}; retry later`, {
      headers: { 'retry-after': '1' },
      extra: { success: false },
      cause: error,
    });
  }
}
