// Runs inside the isolate. node-fetch 2's surface (what Segment's functions get): fetch, Headers, Request,
// Response. The request itself is made by the host (undici, SSRF guard, limits) through host.fetch.

// Private fields, not WeakMaps keyed by the object: hidden from user code all the same, and an order of
// magnitude cheaper to create and read (a fetch builds a Request, a Response and two Headers).
let headerList;

class Headers {
  #list = [];
  static {
    headerList = (headers) => headers.#list;
  }
  constructor(init) {
    if (init instanceof Headers) for (const [k, v] of init) this.append(k, v);
    else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
    else if (init && typeof init === 'object') for (const k of Object.keys(init)) this.append(k, init[k]);
  }
  append(name, value) {
    this.#list.push([String(name).toLowerCase(), String(value)]);
  }
  set(name, value) {
    this.delete(name);
    this.append(name, value);
  }
  delete(name) {
    const key = String(name).toLowerCase();
    this.#list = this.#list.filter(([k]) => k !== key);
  }
  get(name) {
    const key = String(name).toLowerCase();
    const values = this.#list.filter(([k]) => k === key).map(([, v]) => v);
    return values.length === 0 ? null : values.join(', ');
  }
  has(name) {
    const key = String(name).toLowerCase();
    return this.#list.some(([k]) => k === key);
  }
  /** node-fetch: every header with all its values. */
  raw() {
    const out = {};
    for (const [k, v] of this.#list) (out[k] ||= []).push(v);
    return out;
  }
  forEach(callback, thisArg) {
    for (const [k, v] of this) callback.call(thisArg, v, k, this);
  }
  *entries() {
    const names = [...new Set(this.#list.map(([k]) => k))].sort();
    for (const name of names) yield [name, this.get(name)];
  }
  *keys() {
    for (const [k] of this.entries()) yield k;
  }
  *values() {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

/** What can be sent: a string, bytes, URLSearchParams, or anything else as its String() (node-fetch). */
function encodeBody(body, headers) {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return body;
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return body.toString();
  }
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new Uint8Array(toBytes(body));
  return encodeBody(String(body), headers);
}

class Body {
  #body;
  #used = false;
  constructor(body) {
    this.#body = body;
  }
  get bodyUsed() {
    return this.#used;
  }
  get body() {
    return this.#body;
  }
  #consume() {
    if (this.#used) throw new TypeError(`body used already for: ${this.url}`);
    this.#used = true;
    return this.#body;
  }
  async text() {
    const body = this.#consume();
    if (body === null || body === undefined) return '';
    return typeof body === 'string' ? body : textDecode(body, 'utf8');
  }
  async json() {
    const text = await this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(`invalid json response body at ${this.url} reason: ${error.message}`, {
        cause: error,
      });
    }
  }
  async arrayBuffer() {
    const bytes = await this.buffer();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  /** node-fetch 2 */
  async buffer() {
    const body = this.#consume();
    if (body === null || body === undefined) return Buffer.alloc(0);
    return typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  }
}

class Request extends Body {
  constructor(input, init = {}) {
    const source = input instanceof Request ? input : undefined;
    const headers = new Headers(init.headers ?? source?.headers);
    super(encodeBody(init.body ?? (source ? source.body : undefined), headers));
    this.url = source ? source.url : String(input instanceof URL ? input.href : input);
    this.method = String(init.method ?? source?.method ?? 'GET').toUpperCase();
    this.headers = headers;
    this.redirect = init.redirect ?? source?.redirect ?? 'follow';
  }
  clone() {
    return new Request(this);
  }
}

class Response extends Body {
  constructor(body = null, init = {}) {
    const headers = new Headers(init.headers);
    super(encodeBody(body, headers));
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? '';
    this.headers = headers;
    this.url = init.url ?? '';
    this.redirected = init.redirected ?? false;
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  clone() {
    if (this.bodyUsed) throw new TypeError('cannot clone body after it is used');
    return new Response(this.body, this);
  }
}

/** Thrown for network-level failures, as node-fetch does: catch it and throw RetryError. */
class FetchError extends Error {
  constructor(message, type, code) {
    super(message);
    this.name = 'FetchError';
    this.type = type;
    if (code) this.code = this.errno = code;
  }
}

async function fetch(input, init = {}) {
  const request = new Request(input, init);
  if (request.body !== null && (request.method === 'GET' || request.method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body');
  }
  const outcome = await host.fetch({
    url: request.url,
    method: request.method,
    headers: headerList(request.headers).map(([k, v]) => [k, v]),
    body: request.body,
    redirect: request.redirect,
  });
  if (outcome.error) throw new FetchError(outcome.error.message, outcome.error.type, outcome.error.code);
  return new Response(outcome.body, {
    status: outcome.status,
    statusText: outcome.statusText,
    headers: outcome.headers,
    url: outcome.url,
    redirected: outcome.redirected,
  });
}
