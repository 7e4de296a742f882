// Runs inside the isolate. Segment's error classes, console capture, timers bounded by the invocation,
// crypto, cache, lodash, and the dispatcher the host drives: startRun(...), then takeRun(...), resume(...) and
// continueRun(...) until every event has its result. Every call runs synchronously on the host's thread: the
// isolate never runs by itself.

class EventNotSupported extends Error {
  constructor(message) {
    super(message);
    this.name = 'EventNotSupported';
  }
}
class InvalidEventPayload extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidEventPayload';
  }
}
class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}
class RetryError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RetryError';
  }
}
const SEGMENT_ERRORS = [EventNotSupported, InvalidEventPayload, ValidationError, RetryError];

// ---- the current invocation -------------------------------------------------------------------------
// One invocation runs in an isolate at a time (the host pools isolates), so `current` is unambiguous.
let current = { gen: 0, logs: [], logBytes: 0, dropped: 0, timers: new Set(), ops: 0 };

// ---- host operations (fetch, timers) ----------------------------------------------------------------
// An operation is queued here; the host collects the queue with takeRun(), performs it between calls and
// hands back its outcome with resume(), which settles the promise and runs what awaited it.
let nextOpId = 1;
let outbox = [];
const waiting = new Map();
function hostOp(kind, argument) {
  return new Promise((resolve) => {
    const id = nextOpId++;
    waiting.set(id, resolve);
    outbox.push([id, kind, argument]);
    current.ops++;
  });
}
host.fetch = (request) => hostOp('fetch', request);
host.sleep = (ms) => hostOp('sleep', ms);

// ---- console ----------------------------------------------------------------------------------------
function inspect(value, depth = 0) {
  if (typeof value === 'string') return depth === 0 ? value : JSON.stringify(value);
  if (value instanceof Error) {
    // The runtime's own frames are noise to the user.
    const stack =
      typeof value.stack === 'string'
        ? value.stack.split('\n').filter((l) => !l.includes('switchyard-runtime.js'))
        : [];
    return stack.length > 0 ? stack.join('\n') : `${value.name}: ${value.message}`;
  }
  if (typeof value === 'function') return `[Function: ${value.name || 'anonymous'}]`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || value === undefined) return String(value);
  if (value instanceof URL || value instanceof URLSearchParams) return value.toString();
  try {
    const seen = new WeakSet();
    return JSON.stringify(value, (key, v) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return String(value);
  }
}

function format(args) {
  if (typeof args[0] !== 'string' || !args[0].includes('%')) return args.map((a) => inspect(a)).join(' ');
  let rest = args.slice(1);
  const head = args[0].replace(/%[sdifjoO%]/g, (token) => {
    if (token === '%%') return '%';
    if (rest.length === 0) return token;
    const value = rest[0];
    rest = rest.slice(1);
    if (token === '%d' || token === '%i') return String(token === '%i' ? parseInt(value, 10) : Number(value));
    if (token === '%f') return String(parseFloat(value));
    if (token === '%s') return typeof value === 'string' ? value : inspect(value, 1);
    return inspect(value, 1);
  });
  return [head, ...rest.map((a) => inspect(a))].join(' ');
}

function capture(level, args) {
  const inv = current;
  if (inv.logs.length >= limits.maxLogLines || inv.logBytes >= limits.maxLogBytes) {
    inv.dropped++;
    return;
  }
  let message = format(args);
  const room = Math.min(limits.maxLogLineBytes, limits.maxLogBytes - inv.logBytes);
  if (message.length > room) message = `${message.slice(0, room)}… [truncated]`;
  inv.logBytes += message.length;
  inv.logs.push({ level, message });
}

const console = {
  log: (...args) => capture('log', args),
  info: (...args) => capture('info', args),
  warn: (...args) => capture('warn', args),
  error: (...args) => capture('error', args),
  debug: (...args) => capture('debug', args),
  trace: (...args) => capture('debug', args),
};

// ---- timers: never outlive the invocation -----------------------------------------------------------
let nextTimerId = 1;
function setTimeout(callback, ms = 0, ...args) {
  if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
  const inv = current;
  const id = nextTimerId++;
  inv.timers.add(id);
  host.sleep(Math.max(0, Number(ms) || 0)).then(() => {
    // A timer of a finished invocation, or a cleared one, never fires.
    if (current === inv && inv.timers.delete(id)) callback(...args);
  });
  return id;
}
function clearTimeout(id) {
  current.timers.delete(id);
}

// ---- crypto: node:crypto's commonly used part, computed by the host -----------------------------------
function makeDigest(kind, algorithm, key) {
  host.crypto(kind, algorithm, key, []); // an unknown algorithm throws here, as node's createHash does
  const parts = [];
  const digest = {
    update(data, encoding) {
      parts.push(
        typeof data === 'string' ? [data, encoding || 'utf8'] : [new Uint8Array(toBytes(data)), 'bytes'],
      );
      return digest;
    },
    digest(encoding) {
      const bytes = host.crypto(kind, algorithm, key, parts);
      return encoding ? host.codec('decode', bytes, encoding) : Buffer.wrap(bytes);
    },
  };
  return digest;
}
const crypto = {
  createHash: (algorithm) => makeDigest('hash', String(algorithm), null),
  createHmac: (algorithm, key) =>
    makeDigest('hmac', String(algorithm), typeof key === 'string' ? key : new Uint8Array(toBytes(key))),
  randomBytes: (size) => Buffer.wrap(host.crypto('random', null, Number(size), null)),
  randomUUID: () => host.crypto('uuid', null, null, null),
  getRandomValues(array) {
    if (!ArrayBuffer.isView(array)) throw new TypeError('getRandomValues needs a typed array');
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
      host.crypto('random', null, array.byteLength, null),
    );
    return array;
  },
  timingSafeEqual(a, b) {
    if (a.byteLength !== b.byteLength) throw new RangeError('Input buffers must have the same byte length');
    let diff = 0;
    for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  },
};

// ---- cache: per instance, may vanish (as Segment's) ---------------------------------------------------
const cacheEntries = new Map();
const cache = {
  async load(key, ttlMs, loader) {
    const now = Date.now();
    const hit = cacheEntries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = Promise.resolve().then(() => loader());
    cacheEntries.set(key, { value, expires: now + Number(ttlMs) });
    if (cacheEntries.size > limits.maxCacheEntries) cacheEntries.delete(cacheEntries.keys().next().value);
    // A failed load is not cached.
    value.catch(() => cacheEntries.get(key)?.value === value && cacheEntries.delete(key));
    return value;
  },
  delete(key) {
    cacheEntries.delete(key);
  },
};

// ---- lodash, compiled on first use ------------------------------------------------------------------
let lodash;
let lodashLoading = false;
function loadLodash() {
  // lodash reads the global `_` while it loads (to offer noConflict); that read must not recurse.
  if (lodash === undefined && !lodashLoading) {
    lodashLoading = true;
    try {
      const module = { exports: {} };
      new Function('module', 'exports', host.lodashSource())(module, module.exports);
      lodash = module.exports;
    } finally {
      lodashLoading = false;
    }
  }
  return lodash;
}

// ---- dispatch ---------------------------------------------------------------------------------------
let handlers = {};

function describeError(error) {
  if (error instanceof Error) {
    const known = SEGMENT_ERRORS.find((type) => error instanceof type);
    return {
      name: known ? known.name : String(error.name || 'Error'),
      message: String(error.message),
      stack: typeof error.stack === 'string' ? error.stack : undefined,
    };
  }
  return { name: 'Error', message: inspect(error, 1), stack: undefined };
}

function finish(inv, outcome, settle) {
  if (current !== inv) return;
  // Literals, not {...x, more}: a property added after a spread costs about a microsecond on this V8, and
  // Object.assign is the user's to replace.
  current = {
    gen: current.gen,
    logs: current.logs,
    logBytes: current.logBytes,
    dropped: current.dropped,
    timers: new Set(),
    ops: current.ops,
  };
  const record = {
    ok: outcome.ok,
    error: outcome.error,
    batch: outcome.batch,
    logs: inv.logs,
    droppedLogs: inv.dropped,
  };
  let json;
  try {
    json = JSON.stringify(record);
  } catch {
    json = JSON.stringify({
      ok: false,
      error: { name: 'Error', message: 'result could not be serialised' },
      logs: inv.logs,
    });
  }
  settle(json);
}

/** onBatch's per-event answers, reduced to what the host reads: [{status, errormessage}]. */
function batchAnswers(value) {
  if (!Array.isArray(value)) return undefined;
  return value.slice(0, limits.maxBatchSize).map((item) => ({
    status: item && Number.isFinite(Number(item.status)) ? Number(item.status) : 200,
    errormessage:
      item && item.errormessage !== undefined ? String(item.errormessage).slice(0, 1000) : undefined,
  }));
}

/** Calls the handler for one invocation; `settle` gets the result as JSON once its promise settles. */
function invokeHandler(inv, handlerName, payloadJson, settingsJson, settle) {
  // What an earlier invocation left unfinished never resumes.
  outbox = [];
  waiting.clear();
  current = inv;
  let promise;
  try {
    const handler = handlers[handlerName];
    if (typeof handler !== 'function') {
      const type = handlerName === 'onBatch' ? 'batch' : handlerName.slice(2).toLowerCase();
      throw new EventNotSupported(`${type} is not supported`);
    }
    promise = Promise.resolve(handler(JSON.parse(payloadJson), JSON.parse(settingsJson)));
  } catch (error) {
    promise = Promise.reject(error);
  }
  promise.then(
    (value) =>
      finish(inv, { ok: true, batch: handlerName === 'onBatch' ? batchAnswers(value) : undefined }, settle),
    (error) => finish(inv, { ok: false, error: describeError(error) }, settle),
  );
}

// ---- runs: several events one after another, each its own invocation, in few crossings ----------------
// The next event starts as soon as the previous one settles, within the same call from the host, but only
// after an event that asked the host for nothing (so whatever reached the outside world has its result
// collected before anything else runs) and only for a short slice of time (so each event keeps nearly all
// of its own time limit). Otherwise the run pauses until the host calls continueRun.
const RUN_SLICE_MS = 20;
let run;

function startRun(gen, handlerNames, payloads, settingsJson) {
  run = { gen, handlerNames, payloads, settingsJson, next: 0, done: [], active: false, sliceStart: 0 };
  continueRun(gen);
}

function continueRun(gen) {
  if (run === undefined || run.gen !== gen || run.active) return;
  run.sliceStart = Date.now();
  runNext();
}

function runNext() {
  const r = run;
  if (r.next >= r.payloads.length) return;
  const index = r.next++;
  const inv = { gen: r.gen, logs: [], logBytes: 0, dropped: 0, timers: new Set(), ops: 0 };
  r.active = true;
  invokeHandler(inv, r.handlerNames[index], r.payloads[index], r.settingsJson, (json) => {
    if (run !== r) return;
    r.done[r.done.length] = json; // not push: user code may have replaced Array.prototype.push
    r.active = false;
    if (inv.ops === 0 && Date.now() - r.sliceStart < RUN_SLICE_MS) runNext();
  });
}

/** Results since the last call (in order), the operations queued, and whether an event is running. */
function takeRun(gen) {
  if (run === undefined || run.gen !== gen) return [[], [], false];
  const done = run.done;
  run.done = [];
  // With no event running, what is queued belongs to one that finished: it is never performed.
  const ops = run.active ? outbox : [];
  outbox = [];
  return [done, ops, run.active];
}

/** Outcomes of host operations: [[id, value], ...]. */
function resume(gen, outcomes) {
  if (gen !== current.gen) return;
  for (const [id, value] of outcomes) {
    const resolve = waiting.get(id);
    if (resolve === undefined) continue;
    waiting.delete(id);
    resolve(value);
  }
}

function bind(found) {
  handlers = {};
  for (const name of Object.keys(found)) if (typeof found[name] === 'function') handlers[name] = found[name];
  return Object.keys(handlers).join(',');
}
