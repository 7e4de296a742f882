// What the browser tests share: a real `switchyard start` on a fresh data folder, and Debian's Chromium
// through playwright-core, with every request that would leave 127.0.0.1 refused.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { WEB_DIST } from '../../src/server/web-app.ts';

export const CHROMIUM = '/usr/bin/chromium';
const BIN = path.resolve(import.meta.dirname, '../../bin/switchyard.js');
export const SHOTS = path.resolve(import.meta.dirname, '../../test-output/web');

/** Why the browser tests cannot run here, or false when they can. */
export const webSkipReason: string | false = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (.ci/run installs it)`
  : !existsSync(path.join(WEB_DIST, 'index.html'))
    ? 'the web app is not built (npm install builds it)'
    : false;

export interface RunningSwitchyard {
  readonly url: string;
  stop(): Promise<void>;
}

/** `switchyard start` on port 0 with a bootstrapped owner; resolves once it says where it runs. */
export async function startSwitchyard(owner: {
  email: string;
  password: string;
  token: string;
}): Promise<RunningSwitchyard> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-web-'));
  const server: ChildProcess = spawn(
    process.execPath,
    ['--no-node-snapshot', BIN, 'start', '--port', '0', '--log-level', 'warn'],
    {
      env: {
        PATH: process.env.PATH,
        SWITCHYARD_DATA_DIR: dataDir,
        SWITCHYARD_ADMIN_EMAIL: owner.email,
        SWITCHYARD_ADMIN_PASSWORD: owner.password,
        SWITCHYARD_ADMIN_TOKEN: owner.token,
        SWITCHYARD_FETCH_ALLOW: '127.0.0.1',
        SWITCHYARD_WORKER_POLL_MS: '20',
        SWITCHYARD_SUCCESS_LOG_SAMPLE: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /running at (http:\/\/\S+)/.exec(output);
        if (found) resolve(found[1]!);
      });
      server.once('exit', (code) => reject(new Error(`switchyard exited with ${code}: ${output}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}

/**
 * The app at `url` in a laptop-sized page of its own browser context (its own cookies: another person),
 * where nothing may leave the machine. Close it with `page.context().close()`, or with the browser.
 * `beforeLoad` sees the page before the app loads, to watch it from its first request.
 */
export async function openApp(
  browser: Browser,
  url: string,
  beforeLoad?: (page: Page) => void,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await onlyLocal(context, url);
  const page = await context.newPage();
  beforeLoad?.(page);
  await page.goto(url);
  return page;
}

/** Nothing may leave the machine: no CDN, no fonts, no telemetry. */
export async function onlyLocal(context: Pick<BrowserContext, 'route'>, url: string): Promise<void> {
  await context.route('**/*', (route) =>
    route.request().url().startsWith(url) ? route.continue() : route.abort('blockedbyclient'),
  );
}

export interface Owner {
  readonly email: string;
  readonly password: string;
  readonly token: string;
}

/**
 * What each browser test does over and over: numbered full-page screenshots (from `firstShot`), calls to the
 * management API as the owner, signing in on the page that shows the sign-in form, and steps that leave a
 * screenshot of where they failed. `server` and `page` are read when used (tests create them in before()).
 */
export function webTestKit(options: {
  owner: Owner;
  firstShot: number;
  server: () => RunningSwitchyard;
  page: () => Page;
}) {
  mkdirSync(SHOTS, { recursive: true });
  let shot = options.firstShot;
  const screenshot = async (name: string, on: Page = options.page()) => {
    const file = `${String(++shot).padStart(2, '0')}-${name}.png`;
    await on.screenshot({ path: path.join(SHOTS, file), fullPage: true });
  };
  const owner = async <T = Record<string, unknown>>(method: string, route: string, body?: unknown) => {
    const response = await fetch(`${options.server().url}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${options.owner.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${route}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
  const signIn = async (on: Page, who: { email: string; password: string }, landing = 'Overview') => {
    await on.getByLabel('Email').fill(who.email);
    await on.getByLabel('Password').fill(who.password);
    await on.getByRole('button', { name: 'Sign in' }).click();
    await on.getByRole('heading', { name: landing, exact: true }).waitFor();
  };
  const step = async (name: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      await screenshot(`${name}-failure`);
      throw error;
    }
  };
  return { screenshot, owner, signIn, step };
}
