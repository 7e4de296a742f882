// The one module that makes HTTP requests for user code: undici keep-alive pools, the SSRF guard on the
// address actually connected to, and every limit. It never throws: failures become node-fetch FetchErrors.
import { EventEmitter } from 'node:events';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { AddressGuard } from './address-guard.ts';
import { type CapturedRequest, captureBody, captureHeaders } from './captured-request.ts';

export interface OutboundLimits {
  /** Per request; never beyond the invocation's deadline. */
  readonly requestTimeoutMs: number;
  readonly maxRequestBodyBytes: number;
  readonly maxResponseBodyBytes: number;
  readonly maxRedirects: number;
  readonly maxRequestsPerInvocation: number;
}

/** What the prelude's fetch receives: a response, or the FetchError to throw. */
export type FetchOutcome =
  | {
      status: number;
      statusText: string;
      headers: [string, string][];
      body: string | Uint8Array;
      url: string;
      redirected: boolean;
    }
  | { error: { message: string; type: string; code?: string } };

/** One invocation's view: its deadline, how many requests it made, where to record them. */
export interface FetchContext {
  readonly deadline: number;
  requests: number;
  record(request: CapturedRequest): void;
}

interface SandboxRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body: string | Uint8Array | null;
  redirect: 'follow' | 'manual' | 'error';
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

class RequestRefused extends Error {}

/**
 * undici's Agent keeps a pool per origin for as long as it lives; a function that calls a different host per
 * event (tenant subdomains) would grow it without end. After this many origins the agent is replaced.
 */
const ORIGINS_PER_AGENT = 1_000;

export class OutboundHttp {
  private agent: Agent;
  private readonly origins = new Set<string>();
  private readonly retired = new Set<Promise<void>>();

  constructor(
    private readonly limits: OutboundLimits,
    private readonly guard: AddressGuard,
    private readonly originsPerAgent = ORIGINS_PER_AGENT,
  ) {
    this.agent = this.newAgent();
  }

  private newAgent(): Agent {
    return new Agent({
      keepAliveTimeout: 4_000,
      connections: 128,
      // Every new connection resolves through the guard and connects to the address it checked.
      connect: { lookup: (hostname, options, callback) => this.lookup(hostname, options, callback) },
    });
  }

  /** The agent for this origin: a fresh one once the current one has served ORIGINS_PER_AGENT origins. */
  private agentFor(origin: string): Agent {
    if (!this.origins.has(origin)) {
      if (this.origins.size >= this.originsPerAgent) {
        // Its requests in flight finish; its idle connections and pools go.
        const closing = this.agent.close().catch(() => undefined);
        this.retired.add(closing);
        void closing.then(() => this.retired.delete(closing));
        this.agent = this.newAgent();
        this.origins.clear();
      }
      this.origins.add(origin);
    }
    return this.agent;
  }

  async fetch(input: unknown, context: FetchContext): Promise<FetchOutcome> {
    let request: SandboxRequest;
    try {
      request = validate(input, this.limits);
    } catch (error) {
      return { error: { message: (error as Error).message, type: 'invalid-request' } };
    }
    let { url, method, body } = request;
    for (let hop = 0; ; hop++) {
      if (++context.requests > this.limits.maxRequestsPerInvocation) {
        return failure(
          `more than ${this.limits.maxRequestsPerInvocation} requests in one invocation`,
          'max-requests',
        );
      }
      const outcome = await this.send(url, method, request.headers, body, context);
      if ('error' in outcome) return outcome;
      const location = outcome.headers.find(([name]) => name === 'location')?.[1];
      if (!REDIRECTS.has(outcome.status) || location === undefined || request.redirect === 'manual') {
        return { ...outcome, redirected: hop > 0 };
      }
      if (request.redirect === 'error') {
        return failure(
          `uri requested responds with a redirect, redirect mode is set to error: ${url}`,
          'no-redirect',
        );
      }
      if (hop >= this.limits.maxRedirects)
        return failure(`maximum redirect reached at: ${url}`, 'max-redirect');
      url = new URL(location, url).href;
      // As node-fetch: 303, and 301/302 after a POST, continue as a GET without a body.
      if (
        outcome.status === 303 ||
        ((outcome.status === 301 || outcome.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = null;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), ...this.retired]);
  }

  /** Origins the current agent has pools for (for tests). */
  get originCount(): number {
    return this.origins.size;
  }

  private async send(
    url: string,
    method: string,
    headers: [string, string][],
    body: string | Uint8Array | null,
    context: FetchContext,
  ): Promise<Extract<FetchOutcome, { status: number }> | Extract<FetchOutcome, { error: unknown }>> {
    const started = performance.now();
    const record: CapturedRequest = {
      method,
      url,
      requestHeaders: captureHeaders(headers),
      requestBody: captureBody(body),
      durationMs: 0,
    };
    const done = <T extends FetchOutcome>(outcome: T): T => {
      record.durationMs = Math.round((performance.now() - started) * 10) / 10;
      if ('error' in outcome) record.error = outcome.error.message;
      context.record(record);
      return outcome;
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done(failure(`Only absolute URLs are supported: ${url}`, 'invalid-url'));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return done(failure(`Only HTTP(S) protocols are supported: ${target.protocol}`, 'invalid-url'));
    }
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0 && !this.guard.isHostAllowed(literal)) {
      const reason = this.guard.refuse(literal);
      if (reason) return done(failure(`request to ${url} blocked: ${reason}`, 'system', 'EBLOCKED'));
    }
    const timeoutMs = Math.min(this.limits.requestTimeoutMs, context.deadline - Date.now());
    if (timeoutMs <= 0) return done(failure(`network timeout at: ${url}`, 'request-timeout'));

    const signal = new EventEmitter();
    const timer = setTimeout(() => signal.emit('abort'), timeoutMs);
    try {
      const response = await this.agentFor(target.origin).request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: method as 'GET',
        headers: headers.flat(),
        body: body ?? undefined,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const responseHeaders = flattenHeaders(response.headers);
      const bytes = await readBody(response.body, this.limits.maxResponseBodyBytes);
      if (bytes === undefined) {
        return done(
          failure(`content size at ${url} over limit: ${this.limits.maxResponseBodyBytes}`, 'max-size'),
        );
      }
      let text: string | undefined;
      try {
        text = utf8.decode(bytes);
      } catch {
        text = undefined; // binary: handed over as bytes
      }
      record.status = response.statusCode;
      record.responseHeaders = captureHeaders(responseHeaders);
      record.responseBody = captureBody(text ?? new Uint8Array(bytes));
      return done({
        status: response.statusCode,
        statusText: STATUS_CODES[response.statusCode] ?? '',
        headers: responseHeaders,
        body: text ?? new Uint8Array(bytes),
        url,
        redirected: false,
      });
    } catch (error) {
      return done(networkFailure(error, url));
    } finally {
      clearTimeout(timer);
    }
  }

  private lookup(
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void {
    const family =
      options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    dnsLookup(hostname, { all: true, family }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = this.guard.isHostAllowed(hostname)
        ? addresses
        : addresses.filter((entry) => this.guard.refuse(entry.address) === undefined);
      if (usable.length === 0) {
        const refusal = new RequestRefused(
          `${hostname} resolves only to blocked addresses (${this.guard.refuse(addresses[0]?.address ?? '') ?? 'none'})`,
        ) as NodeJS.ErrnoException;
        refusal.code = 'EBLOCKED';
        return callback(refusal, []);
      }
      if (options.all) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  }
}

function validate(input: unknown, limits: OutboundLimits): SandboxRequest {
  const value = input as Partial<SandboxRequest> | null;
  if (typeof value !== 'object' || value === null) throw new TypeError('invalid request');
  const url = String(value.url);
  if (url.length > 16_384) throw new TypeError('URL longer than 16 KB');
  const method = String(value.method ?? 'GET');
  if (!METHOD.test(method)) throw new TypeError(`invalid method ${method.slice(0, 20)}`);
  const headers: [string, string][] = [];
  for (const pair of Array.isArray(value.headers) ? value.headers : []) {
    if (!Array.isArray(pair) || headers.length >= 200) throw new TypeError('invalid headers');
    headers.push([String(pair[0]), String(pair[1])]);
  }
  const body = value.body ?? null;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array))
    throw new TypeError('invalid body');
  const size = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > limits.maxRequestBodyBytes) {
    throw new RangeError(`request body of ${size} bytes is over the limit of ${limits.maxRequestBodyBytes}`);
  }
  const redirect = value.redirect === 'manual' || value.redirect === 'error' ? value.redirect : 'follow';
  return { url, method: method.toUpperCase(), headers, body, redirect };
}

/**
 * The whole body, or undefined once it passes `max` bytes (the rest is not read). Listeners rather than an
 * async iterator: the iterator costs tens of microseconds per response, on every fetch.
 */
function readBody(body: Readable, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    body.once('error', reject);
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) out.push([name, v]);
    else if (value !== undefined) out.push([name, value]);
  }
  return out;
}

function failure(message: string, type: string, code?: string): Extract<FetchOutcome, { error: unknown }> {
  return { error: code === undefined ? { message, type } : { message, type, code } };
}

function networkFailure(error: unknown, url: string): Extract<FetchOutcome, { error: unknown }> {
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return failure(`network timeout at: ${url}`, 'request-timeout');
  }
  const cause = err.cause ?? err;
  const code = cause.code ?? err.code;
  return failure(`request to ${url} failed, reason: ${cause.message ?? err.message}`, 'system', code);
}
