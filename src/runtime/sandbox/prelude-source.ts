import { readFileSync } from 'node:fs';
import path from 'node:path';

const PARTS = ['web-apis.js', 'fetch.js', 'core.js'];
const GLOBALS = [
  'fetch',
  'Headers',
  'Request',
  'Response',
  'FetchError',
  'URL',
  'URLSearchParams',
  'atob',
  'btoa',
  'TextEncoder',
  'TextDecoder',
  'Buffer',
  'crypto',
  'console',
  'setTimeout',
  'clearTimeout',
  'cache',
  'EventNotSupported',
  'InvalidEventPayload',
  'ValidationError',
  'RetryError',
];

/**
 * The script every isolate runs before user code. It defines one global, __switchyardInit(bridge), which
 * removes itself, keeps the host bridge in its closure (user code never sees a host reference), installs
 * the globals and returns the dispatcher {startRun, continueRun, takeRun, resume, bind}.
 */
export const PRELUDE_SOURCE = `'use strict';
globalThis.__switchyardInit = function (bridge) {
  delete globalThis.__switchyardInit;
  const limits = JSON.parse(bridge.limits);
  // Option objects without a prototype: user code cannot steer them through Object.prototype.
  // Host services answer {ok} or {err: [name, message]}: errors are raised here, so that their stacks
  // show only this isolate's frames.
  const ERRORS = { TypeError, RangeError, SyntaxError };
  const sync = (callback) => (...args) => {
    const answer = callback(...args);
    if (answer.err) throw new (ERRORS[answer.err[0]] || Error)(answer.err[1]);
    return answer.ok;
  };
  const host = {
    codec: sync(bridge.codec),
    url: sync(bridge.url),
    crypto: sync(bridge.crypto),
    lodashSource: sync(bridge.lodash),
  };
${PARTS.map((part) => readFileSync(path.join(import.meta.dirname, 'prelude', part), 'utf8')).join('\n')}
  for (const [name, value] of Object.entries({ ${GLOBALS.join(', ')} })) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(globalThis, '_', {
    get: loadLodash,
    set(value) { lodash = value; },
    configurable: true,
    enumerable: false,
  });
  return { resume, bind, startRun, continueRun, takeRun };
};
`;

export const HANDLER_NAMES = [
  'onIdentify',
  'onTrack',
  'onPage',
  'onScreen',
  'onGroup',
  'onAlias',
  'onDelete',
  'onBatch',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** Run after user code: hands its top-level handler functions (declarations or const) to bind($0). */
export const BINDER_SOURCE = `return $0({ ${HANDLER_NAMES.map((n) => `${n}: typeof ${n} === 'function' ? ${n} : undefined`).join(', ')} });`;
