// The web app beyond the first walk-through, in a real browser against a real `switchyard start`: version
// history (diff, LATEST/DEPLOYED, Restore), saved test values, the structured destination filters editor,
// Members and API tokens, what a Read-only member sees, and a 1024-px laptop screen. Screenshots go to
// test-output/web/ (named 5x-…) for a reviewer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type HttpSink, startHttpSink } from './helpers/http-sink.ts';
import {
  type RunningSwitchyard,
  launchChromium,
  openApp,
  startSwitchyard,
  webSkipReason,
  webTestKit,
} from './helpers/web-harness.ts';

const OWNER = {
  email: 'owner@admin.test',
  password: 'admin-test-password-1',
  token: 'sy_admin_test_token_0123456789',
};
const READER = { email: 'reader@admin.test', password: 'reader-password-1' };
const SECRET = 'sk_saved_test_value_7788';

/** The line of `code` that sends: `marker` is what the editor and the diff are checked for. */
const fetchLine = (marker: string) =>
  `await fetch(SINK + '/${marker}', { method: 'POST', headers: { authorization: 'Bearer ' + settings.apiKey } })`;

/** The function's code at a version. */
const code = (sink: string, marker: string) =>
  `const SINK = '${sink}'
/**
 * @param {SegmentTrackEvent} event
 * @param {FunctionSettings} settings
 */
async function onTrack(event, settings) {
  console.log('${marker}')
  ${fetchLine(marker)}
}
`;

describe(
  'web app: versions, test values, filters, members, roles, laptop screens',
  { skip: webSkipReason },
  () => {
    let server: RunningSwitchyard;
    let sink: HttpSink;
    let browser: Browser;
    let page: Page;
    let functionId = '';
    let destinationId = '';
    const { screenshot, owner, signIn, step } = webTestKit({
      owner: OWNER,
      firstShot: 50,
      server: () => server,
      page: () => page,
    });
    const editorText = (on: Page = page) =>
      on.evaluate<string>(`document.querySelector('.monaco-editor .view-lines')?.textContent ?? ''`);
    before(async () => {
      sink = await startHttpSink();
      server = await startSwitchyard(OWNER);
      // What the user would have built already: a source, a function at v1 and a destination running v1.
      const source = await owner<{ id: string }>('POST', '/sources', { name: 'Website' });
      const fn = await owner<{ id: string }>('POST', '/functions', {
        displayName: 'Versioned',
        code: code(sink.url, 'version-one'),
        settings: [{ label: 'API Key', type: 'string', sensitive: true }],
      });
      functionId = fn.id;
      const destination = await owner<{ id: string }>('POST', '/destinations', {
        name: 'Warehouse',
        functionId,
        sourceIds: [source.id],
        settings: { apiKey: 'sk_live_destination_1' },
      });
      destinationId = destination.id;
      browser = await launchChromium();
      page = await openApp(browser, server.url);
      await signIn(page, OWNER);
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      await sink?.close();
    });

    it(
      'saves a second version, shows the diff with LATEST/DEPLOYED and restores the first',
      { timeout: 90_000 },
      () =>
        step('versions', async () => {
          await page.goto(`${server.url}/functions/${functionId}`);
          await page.locator('.monaco-editor').waitFor();
          await page.waitForFunction(
            `document.querySelector('.view-lines')?.textContent?.includes('version-one')`,
          );
          await page.locator('.monaco-editor .view-lines').click();
          await page.waitForFunction(`document.activeElement?.closest('.monaco-editor') !== null`);
          // Edit lines 7 and 8 in place, as a user would: Home goes to the first character after the indent.
          await page.keyboard.press('Control+Home');
          for (let line = 1; line < 7; line++) await page.keyboard.press('ArrowDown');
          for (const replacement of [`console.log('version-two')`, fetchLine('version-two')]) {
            await page.keyboard.press('Home');
            await page.keyboard.press('Shift+End');
            await page.keyboard.insertText(replacement);
            await page.keyboard.press('ArrowDown');
          }
          await page.getByText('Unsaved changes').waitFor();
          await page.getByRole('button', { name: 'Save', exact: true }).click();
          await page.getByText(/^Saved as v2\./).waitFor();
          assert.match(await editorText(), /version-two/);

          await page.getByRole('tab', { name: 'Versions' }).click();
          const versions = page.getByRole('region', { name: 'Versions' });
          const v1 = versions.locator('tr', { hasText: 'v1' });
          const v2 = versions.locator('tr', { hasText: 'v2' });
          await v2.getByText('LATEST', { exact: true }).waitFor();
          assert.equal(await v2.getByText(/DEPLOYED/).count(), 0, 'v2 runs nowhere yet');
          await v1.getByText('DEPLOYED (1)').waitFor();
          assert.equal(await v1.getByText('LATEST', { exact: true }).count(), 0);

          await v1.getByRole('button', { name: 'Compare with LATEST' }).click();
          const diff = page.getByRole('dialog', { name: 'Changes from v1 to v2 (LATEST)' });
          await diff.waitFor();
          // Only the two lines that changed are marked, each beside its new version.
          const removed = await diff.locator('pre.removed').allTextContents();
          const added = await diff.locator('pre.added').allTextContents();
          assert.deepEqual(
            removed.map((line) => line.trim()),
            [`console.log('version-one')`, fetchLine('version-one')],
          );
          assert.deepEqual(
            added.map((line) => line.trim()),
            [`console.log('version-two')`, fetchLine('version-two')],
          );
          await screenshot('version-diff');
          // Escape closes the dialog without restoring anything.
          await page.keyboard.press('Escape');
          await diff.waitFor({ state: 'detached' });
          await v1.getByRole('button', { name: 'Compare with LATEST' }).click();
          await diff.waitFor();

          await page.getByRole('dialog').getByRole('button', { name: 'Restore v1' }).click();
          await page.getByText('Restored v1 as v3.').waitFor();
          await page.getByText('LATEST v3').waitFor();
          await page.waitForFunction(
            `document.querySelector('.view-lines')?.textContent?.includes('version-one')`,
          );
          assert.doesNotMatch(await editorText(), /version-two/);
          await versions.locator('tr', { hasText: 'v3' }).getByText('LATEST', { exact: true }).waitFor();
          const latest = await owner<{ code: string; version: { number: number } }>(
            'GET',
            `/functions/${functionId}`,
          );
          assert.equal(latest.version.number, 3);
          assert.match(latest.code, /version-one/);
          await screenshot('version-restored');
        }),
    );

    it(
      'saves test values, shows the secret masked after a reload and runs with it',
      { timeout: 60_000 },
      () =>
        step('test-values', async () => {
          await page.getByRole('tab', { name: 'Test' }).click();
          const test = page.getByRole('region', { name: 'Test' });
          const apiKey = test.getByLabel(/API Key/);
          await apiKey.fill(SECRET);
          await test.getByRole('button', { name: 'Save test values' }).click();
          await test.getByText('Test values saved.').waitFor();
          const stored = await owner<{ testSettings: Record<string, string> }>(
            'GET',
            `/functions/${functionId}`,
          );
          assert.deepEqual(stored.testSettings, { apiKey: '••••7788' });

          await page.reload();
          await page.getByRole('tab', { name: 'Test' }).click();
          assert.equal(await apiKey.inputValue(), '••••7788', 'the saved value comes back masked');
          assert.ok(await test.getByRole('button', { name: 'Save test values' }).isDisabled());
          await test.getByRole('button', { name: 'Run' }).click();
          await test.getByLabel('Output').getByText(`POST ${sink.url}/version-one`).waitFor();
          const sent = sink.requests.filter((r) => r.url === '/version-one').at(-1);
          assert.equal(sent?.headers.authorization, `Bearer ${SECRET}`, 'the run used the saved secret');
          assert.ok(!(await test.getByLabel('Output').textContent())!.includes(SECRET));
          await screenshot('test-values');
        }),
    );

    it(
      'builds a filter "event is Spam → drop", previews it, saves it and reads it back',
      { timeout: 60_000 },
      () =>
        step('filters', async () => {
          await page.goto(`${server.url}/destinations/${destinationId}`);
          await page.getByRole('tab', { name: 'Filters' }).click();
          await page.getByText('No filters: every event').waitFor();
          await page.getByRole('button', { name: 'Add filter' }).click();
          const filter = page.getByRole('region', { name: 'Filter 1' });
          assert.equal(await filter.getByLabel('Condition 1 field').inputValue(), 'event');
          assert.equal(await filter.getByLabel('Condition 1 operator').inputValue(), 'is');
          await filter.getByLabel('Condition 1 value', { exact: true }).fill('Spam');
          assert.equal(await filter.getByLabel('Generated FQL').textContent(), 'event = "Spam"');
          assert.equal(await filter.getByLabel('Action 1 type').inputValue(), 'DROP');

          // The preview runs the unsaved form on the server.
          const preview = page.getByRole('region', { name: 'Preview' });
          const result = preview.getByLabel('Preview result');
          await preview
            .getByLabel('Event to preview')
            .fill(JSON.stringify({ type: 'track', event: 'Spam', userId: 'u1' }));
          await preview.getByRole('button', { name: 'Preview' }).click();
          await result.getByText('Filter 1 drops it.').waitFor();
          await screenshot('filters-preview-dropped');
          await preview
            .getByLabel('Event to preview')
            .fill(JSON.stringify({ type: 'track', event: 'Signed Up', userId: 'u1' }));
          await preview.getByRole('button', { name: 'Preview' }).click();
          await result.getByText('The destination receives this event').waitFor();
          assert.match((await result.textContent())!, /Signed Up/);

          await page.getByRole('button', { name: 'Save filters' }).click();
          await page.getByText('Filters saved (1).').waitFor();
          const saved = await owner<{ filters: unknown }>('GET', `/destinations/${destinationId}/filters`);
          assert.deepEqual(saved.filters, [{ if: 'event = "Spam"', actions: [{ type: 'DROP' }] }]);

          // A filter the builder cannot show arrives from the API; it must open as raw FQL, untouched.
          await owner('PUT', `/destinations/${destinationId}/filters`, [
            { if: 'event = "Spam"', actions: [{ type: 'DROP' }] },
            { if: 'length(properties.items) > 2', actions: [{ type: 'SAMPLE', percent: 0.25 }] },
          ]);
          await page.reload();
          await page.getByRole('tab', { name: 'Filters' }).click();
          const first = page.getByRole('region', { name: 'Filter 1' });
          assert.equal(await first.getByLabel('Condition 1 value', { exact: true }).inputValue(), 'Spam');
          assert.equal(await first.getByLabel('Action 1 type').inputValue(), 'DROP');
          const second = page.getByRole('region', { name: 'Filter 2' });
          assert.equal(await second.getByLabel('FQL condition').inputValue(), 'length(properties.items) > 2');
          assert.equal(await second.getByLabel('Action 1 percent kept').inputValue(), '25');
          assert.equal(
            await page.getByText('Unsaved changes').count(),
            0,
            'reading does not change anything',
          );
          await screenshot('filters-saved');

          // Reorder and save: the list the server keeps follows the form.
          await second.getByRole('button', { name: 'Move up' }).click();
          await page.getByRole('button', { name: 'Save filters' }).click();
          await page.getByText('Filters saved (2).').waitFor();
          const reordered = await owner<{ filters: { if: string }[] }>(
            'GET',
            `/destinations/${destinationId}/filters`,
          );
          assert.deepEqual(
            reordered.filters.map((f) => f.if),
            ['length(properties.items) > 2', 'event = "Spam"'],
          );
        }),
    );

    it(
      'lets the owner add a Read-only member, invite one and create a token shown once',
      { timeout: 60_000 },
      () =>
        step('members', async () => {
          await page.getByRole('link', { name: 'Members & tokens' }).click();
          await page.getByRole('heading', { name: 'Members' }).waitFor();
          const add = page.getByRole('form', { name: 'Add a member' });
          await add.getByLabel('Email').fill(READER.email);
          await add.getByLabel('Name').fill('Reader');
          await add.getByLabel('Role').selectOption({ label: 'Functions Read-only' });
          await add.getByLabel('Password').fill(READER.password);
          await add.getByRole('button', { name: 'Add member' }).click();
          await page.getByText(`Added ${READER.email} as Functions Read-only.`).waitFor();
          const row = page.locator('tr', { hasText: READER.email });
          assert.equal(await row.getByLabel(`Role of ${READER.email}`).inputValue(), 'functions_read_only');

          const invite = page.getByRole('form', { name: 'Invite a member' });
          await invite.getByLabel('Invite by email').fill('later@admin.test');
          await invite.getByRole('button', { name: 'Create invitation link' }).click();
          await page.getByText(/accept-invitation\?token=/).waitFor();
          await page.getByText(/later@admin\.test as Functions Read-only/).waitFor();

          const create = page.getByRole('form', { name: 'Create a token' });
          await create.getByLabel('Token name').fill('CI deploys');
          await create.getByLabel('Role').selectOption({ label: 'Functions Admin' });
          await create.getByRole('button', { name: 'Create workspace token' }).click();
          const shown = page.getByLabel('New token');
          const token = (await shown.locator('code').textContent())!;
          assert.ok(token.length >= 20, token);
          await page.locator('tr', { hasText: 'CI deploys' }).getByText('Functions Admin').waitFor();
          await screenshot('members-and-tokens');
          // The token works, and the page never shows it again.
          const answer = await fetch(`${server.url}/api/v1/functions`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(answer.status, 200);
          await page.reload();
          await page.locator('tr', { hasText: 'CI deploys' }).waitFor();
          assert.ok(!(await page.content()).includes(token), 'the token is shown once');
        }),
    );

    it(
      'shows the Read-only member no edit controls on functions and destinations',
      { timeout: 60_000 },
      async () => {
        const reader = await openApp(browser, server.url);
        try {
          await signIn(reader, READER);
          await reader.getByRole('link', { name: 'Functions' }).click();
          await reader.getByRole('link', { name: 'Versioned' }).waitFor();
          assert.equal(await reader.getByRole('button', { name: 'New Function' }).count(), 0);
          assert.equal(await reader.getByRole('button', { name: /Delete/ }).count(), 0);
          await reader.getByRole('link', { name: 'View', exact: true }).click();
          await reader.locator('.monaco-editor').waitFor();
          for (const name of ['Save', 'Save & Deploy', 'Configure'])
            assert.equal(await reader.getByRole('button', { name, exact: true }).count(), 0, name);
          await reader.getByRole('tab', { name: 'Settings' }).click();
          await reader.getByText('API Key').first().waitFor();
          assert.equal(await reader.getByRole('button', { name: 'Add Setting' }).count(), 0);
          await reader.getByRole('tab', { name: 'Versions' }).click();
          await reader
            .getByRole('region', { name: 'Versions' })
            .getByText('LATEST', { exact: true })
            .waitFor();
          assert.equal(await reader.getByRole('button', { name: 'Restore' }).count(), 0);
          await screenshot('read-only-function', reader);

          await reader.goto(`${server.url}/destinations/${destinationId}`);
          await reader.getByRole('tab', { name: 'Settings' }).click();
          assert.ok(await reader.getByLabel(/API Key/).isDisabled(), 'setting values are read-only');
          assert.ok(await reader.getByLabel('Enabled').isDisabled());
          assert.equal(await reader.getByRole('button', { name: 'Save settings' }).count(), 0);
          await reader.getByRole('tab', { name: 'Filters' }).click();
          const filter = reader.getByRole('region', { name: 'Filter 2' });
          assert.equal(await filter.getByLabel('Condition 1 value', { exact: true }).inputValue(), 'Spam');
          assert.ok(await filter.getByLabel('Condition 1 value', { exact: true }).isDisabled());
          for (const name of ['Add filter', 'Save filters', 'Move up', 'Add condition', 'Add action'])
            assert.equal(await reader.getByRole('button', { name }).count(), 0, name);
          assert.equal(await reader.getByRole('button', { name: /^Remove/ }).count(), 0);
          await reader.getByRole('tab', { name: 'Event Delivery' }).click();
          await reader.getByLabel('Window').waitFor();
          assert.equal(await reader.getByRole('button', { name: /Replay/ }).count(), 0);
          await screenshot('read-only-destination', reader);
        } catch (error) {
          await screenshot('read-only-failure', reader);
          throw error;
        } finally {
          await reader.context().close();
        }
      },
    );

    it('fits a 1024-px laptop screen and 1280×800 without sideways page scroll', { timeout: 90_000 }, () =>
      step('laptop', async () => {
        const pages: [string, string, string?][] = [
          ['overview', '/'],
          ['functions', '/functions'],
          ['editor', `/functions/${functionId}`, 'Test'],
          ['destination', `/destinations/${destinationId}`],
          ['filters', `/destinations/${destinationId}`, 'Filters'],
          ['people', '/people'],
          ['audit', '/audit'],
          ['health', '/health'],
        ];
        for (const [width, height] of [
          [1024, 768],
          [1280, 800],
        ] as const) {
          await page.setViewportSize({ width, height });
          for (const [name, route, tab] of pages) {
            await page.goto(`${server.url}${route}`);
            await page.locator('main h1').first().waitFor();
            if (tab) await page.getByRole('tab', { name: tab }).click();
            await page.waitForLoadState('networkidle');
            const overflow = await page.evaluate<number>(
              'document.documentElement.scrollWidth - document.documentElement.clientWidth',
            );
            assert.ok(overflow <= 0, `${name} at ${width}px scrolls sideways by ${overflow}px`);
            if (width === 1024) await screenshot(`laptop-${name}`);
          }
        }
        // On the laptop screen the editor keeps its side panel beside it, both usable.
        await page.setViewportSize({ width: 1024, height: 768 });
        await page.goto(`${server.url}/functions/${functionId}`);
        const editor = (await page.locator('.code-editor').boundingBox())!;
        const side = (await page.locator('.side').boundingBox())!;
        assert.ok(editor.width >= 500 && side.width >= 320, JSON.stringify({ editor, side }));
        assert.ok(side.x >= editor.x + editor.width, 'the side panel is beside the editor');
      }),
    );
  },
);
