// Runs inside the isolate, before user code. Web and Node-like globals that V8 alone lacks, built on the
// host bridge `host` (sync callbacks that take and return plain copies, never host objects).
// Part of one function body (see prelude-source.ts): `host` and `define` are in scope.

const textEncode = (text) => host.codec('encode', String(text), 'utf8');
const textDecode = (bytes, encoding) => host.codec('decode', bytes, encoding || 'utf8');

class TextEncoder {
  get encoding() {
    return 'utf-8';
  }
  encode(input = '') {
    return textEncode(input);
  }
}

class TextDecoder {
  constructor(label = 'utf-8') {
    const normalized = String(label).toLowerCase();
    if (normalized !== 'utf-8' && normalized !== 'utf8')
      throw new RangeError(`The "${label}" encoding is not supported`);
  }
  get encoding() {
    return 'utf-8';
  }
  decode(input) {
    if (input === undefined) return '';
    return textDecode(toBytes(input), 'utf8');
  }
}

function toBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('expected an ArrayBuffer or a typed array');
}

function atob(data) {
  return host.codec('atob', String(data), 'latin1');
}

function btoa(data) {
  return host.codec('btoa', String(data), 'latin1');
}

/** The part of Node's Buffer that destination functions use: from, alloc, concat, toString(encoding). */
class Buffer extends Uint8Array {
  static from(value, encodingOrOffset, length) {
    if (typeof value === 'string')
      return Buffer.wrap(host.codec('encode', value, encodingOrOffset || 'utf8'));
    if (value instanceof ArrayBuffer) return new Buffer(value, encodingOrOffset || 0, length);
    if (ArrayBuffer.isView(value) || Array.isArray(value)) {
      const copy = new Buffer(value.length);
      copy.set(value);
      return copy;
    }
    if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data);
    throw new TypeError(
      'The first argument must be a string, Buffer, ArrayBuffer, Array or array-like object',
    );
  }
  static wrap(bytes) {
    return new Buffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  static alloc(size, fill) {
    const buffer = new Buffer(size);
    if (fill !== undefined) buffer.fill(typeof fill === 'string' ? fill.charCodeAt(0) : fill);
    return buffer;
  }
  static byteLength(value, encoding) {
    return typeof value === 'string'
      ? host.codec('encode', value, encoding || 'utf8').length
      : value.byteLength;
  }
  static concat(list, totalLength) {
    const total = totalLength ?? list.reduce((sum, item) => sum + item.length, 0);
    const out = new Buffer(total);
    let offset = 0;
    for (const item of list) {
      out.set(item.subarray(0, Math.max(0, total - offset)), offset);
      offset += item.length;
      if (offset >= total) break;
    }
    return out;
  }
  static isBuffer(value) {
    return value instanceof Buffer;
  }
  toString(encoding = 'utf8', start = 0, end = this.length) {
    return host.codec(
      'decode',
      new Uint8Array(this.buffer, this.byteOffset + start, Math.max(0, end - start)),
      encoding,
    );
  }
  toJSON() {
    return { type: 'Buffer', data: Array.from(this) };
  }
  equals(other) {
    return other.length === this.length && this.every((byte, i) => byte === other[i]);
  }
}

// URL parsing is delegated to the host's WHATWG parser; the object here keeps its parts in a WeakMap.
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
];
const urlState = new WeakMap();

class URL {
  constructor(input, base) {
    const parts = host.url('parse', String(input), base === undefined ? undefined : String(base));
    const searchParams = new URLSearchParams(parts.search);
    urlState.set(this, { parts, searchParams });
    searchParamsOwner.set(searchParams, (search) => {
      const state = urlState.get(this);
      state.parts = host.url('set', state.parts.href, 'search', search);
    });
  }
  static canParse(input, base) {
    try {
      new URL(input, base);
      return true;
    } catch {
      return false;
    }
  }
  get searchParams() {
    return urlState.get(this).searchParams;
  }
  toString() {
    return urlState.get(this).parts.href;
  }
  toJSON() {
    return urlState.get(this).parts.href;
  }
}
for (const part of URL_PARTS) {
  Object.defineProperty(URL.prototype, part, {
    get() {
      return urlState.get(this).parts[part];
    },
    set(value) {
      if (part === 'origin') return;
      const state = urlState.get(this);
      state.parts = host.url('set', state.parts.href, part, String(value));
      if (part === 'search' || part === 'href') syncSearchParams(state.searchParams, state.parts.search);
    },
    enumerable: true,
    configurable: true,
  });
}

// application/x-www-form-urlencoded, as the WHATWG URL standard serialises it.
const formEncode = (text) =>
  encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
const formDecode = (text) => {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
};
const searchParamsOwner = new WeakMap();
const searchParamsList = new WeakMap();

function syncSearchParams(params, search) {
  searchParamsList.set(params, parseSearch(search));
}

function parseSearch(init) {
  const text = init.startsWith('?') ? init.slice(1) : init;
  if (text === '') return [];
  return text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1
        ? [formDecode(pair), '']
        : [formDecode(pair.slice(0, eq)), formDecode(pair.slice(eq + 1))];
    });
}

class URLSearchParams {
  constructor(init = '') {
    let list;
    if (typeof init === 'string') list = parseSearch(init);
    else if (init instanceof URLSearchParams) list = [...init];
    else if (init && typeof init[Symbol.iterator] === 'function')
      list = Array.from(init, ([k, v]) => [String(k), String(v)]);
    else if (init && typeof init === 'object') list = Object.keys(init).map((k) => [k, String(init[k])]);
    else list = parseSearch(String(init));
    searchParamsList.set(this, list);
  }
  #changed() {
    searchParamsOwner.get(this)?.(this.toString());
  }
  get size() {
    return searchParamsList.get(this).length;
  }
  append(name, value) {
    searchParamsList.get(this).push([String(name), String(value)]);
    this.#changed();
  }
  delete(name) {
    searchParamsList.set(
      this,
      searchParamsList.get(this).filter(([k]) => k !== String(name)),
    );
    this.#changed();
  }
  get(name) {
    const found = searchParamsList.get(this).find(([k]) => k === String(name));
    return found ? found[1] : null;
  }
  getAll(name) {
    return searchParamsList
      .get(this)
      .filter(([k]) => k === String(name))
      .map(([, v]) => v);
  }
  has(name) {
    return searchParamsList.get(this).some(([k]) => k === String(name));
  }
  set(name, value) {
    const list = searchParamsList.get(this);
    const index = list.findIndex(([k]) => k === String(name));
    if (index === -1) list.push([String(name), String(value)]);
    else {
      list[index] = [String(name), String(value)];
      searchParamsList.set(
        this,
        list.filter(([k], i) => k !== String(name) || i === index),
      );
    }
    this.#changed();
  }
  sort() {
    searchParamsList.get(this).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#changed();
  }
  forEach(callback, thisArg) {
    for (const [k, v] of searchParamsList.get(this)) callback.call(thisArg, v, k, this);
  }
  keys() {
    return searchParamsList
      .get(this)
      .map(([k]) => k)
      .values();
  }
  values() {
    return searchParamsList
      .get(this)
      .map(([, v]) => v)
      .values();
  }
  entries() {
    return searchParamsList
      .get(this)
      .map(([k, v]) => [k, v])
      .values();
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  toString() {
    return searchParamsList
      .get(this)
      .map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`)
      .join('&');
  }
}
