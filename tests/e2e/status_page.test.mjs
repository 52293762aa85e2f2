// The operator's status page at /_proxy/ in headless Chromium (Debian's `chromium`, driven by
// playwright-core): live status, the logs panel with Copy and Clear, switching the remote (and
// the config file that records it), Reload, and a page that stays on its own origin without
// console errors.
//
// Chromium comes from CHROMIUM_BIN or /usr/bin/chromium. Without it the tests are skipped, except
// with CI=true, where a missing browser fails the run. STATUS_PAGE_SCREENSHOT=/path.png saves a
// 1280×800 screenshot of the page with some traffic and logs on it (the proxy then listens on
// 11434, which must be free).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { startFake, startProxy, stopAll } from './support/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';
const SKIP = HAVE_CHROMIUM || IN_CI
  ? false
  : `no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_BIN`;
const SCREENSHOT = process.env.STATUS_PAGE_SCREENSHOT;
const WAIT_MS = 8_000;

if (SKIP) console.log(`status page: skipped: ${SKIP}`);

// Retries `check` until it returns a truthy value or the time runs out; returns that value.
async function eventually(what, check, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The port a config file's remote names: remote.host may be a URL or HOST:PORT, else remote.port.
function configuredRemotePort(file) {
  const remote = JSON.parse(readFileSync(file, 'utf8')).remote ?? {};
  const inHost = /:(\d+)(?:\/|$)/.exec(String(remote.host ?? remote.url ?? ''));
  return inHost ? Number(inHost[1]) : remote.port;
}

describe('status page', { skip: SKIP }, () => {
  const env = { consoleErrors: [], foreignRequests: [] };

  // The text of the log lines the page shows (its own polling hidden), in order.
  const shownLines = () =>
    env.page.$$eval('#logs .line', (lines) =>
      lines.filter((line) => getComputedStyle(line).display !== 'none').map((line) => line.textContent),
    );
  const textOf = (selector) => env.page.locator(selector).textContent();
  const status = async () => (await fetch(`${env.proxy.url}/_proxy/status`)).json();

  before(async () => {
    if (!HAVE_CHROMIUM) {
      throw new Error(`CI=true but there is no Chromium at ${CHROMIUM}: install chromium or set CHROMIUM_BIN`);
    }
    env.fake = await startFake();
    env.second = await startFake();
    env.proxy = await startProxy({
      config: { remote: { host: '127.0.0.1', port: env.fake.port } },
      // The picture shows the usual address; the status names the configured port, not the bound one.
      port: SCREENSHOT ? 11434 : 0,
    });
    env.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    env.context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await env.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.proxy.url });
    env.page = await env.context.newPage();
    env.page.on('console', (message) => {
      if (message.type() === 'error') env.consoleErrors.push(message.text());
    });
    env.page.on('pageerror', (error) => env.consoleErrors.push(`uncaught: ${error.message}`));
    env.page.on('request', (request) => {
      if (new URL(request.url()).origin !== env.proxy.url) env.foreignRequests.push(request.url());
    });
  });

  after(async () => {
    await env.browser?.close();
    await stopAll();
  });

  test('serves the page with its security headers and renders live status', async () => {
    const { page, proxy, fake } = env;
    // /_proxy redirects to /_proxy/, where the page's relative URLs resolve.
    const response = await page.goto(`${proxy.url}/_proxy`);
    assert.equal(new URL(page.url()).pathname, '/_proxy/');
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.equal(headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(headers['cache-control'], 'no-store');
    assert.match(headers['content-security-policy'], /default-src 'none'/);
    assert.match(headers['content-security-policy'], /connect-src 'self'/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['referrer-policy'], 'no-referrer');

    // What the page shows is what the status endpoint says.
    const reported = await status();
    assert.match(reported.listener, /^127\.0\.0\.1:\d+$/);
    await eventually('the listener', async () => (await textOf('#listener')) === reported.listener);
    assert.equal(await textOf('#config-file'), proxy.configFile);
    assert.match(await textOf('#remote-target'), new RegExp(`127\\.0\\.0\\.1:${fake.port}`));
    assert.match(await textOf('#version'), /^\d+\.\d+\.\d+/);

    const { version } = await (await fetch(`${fake.url}/api/version`)).json();
    await page.click('#recheck');
    await eventually('reachable', async () => (await textOf('#remote-reachable')) === 'reachable');
    assert.equal(await page.getAttribute('#remote-reachable', 'data-state'), 'yes');
    assert.equal(await textOf('#remote-version'), version);
    assert.match(await textOf('#recheck-result'), new RegExp(`Reachable: Ollama ${version.replace(/\./g, '\\.')}`));
    assert.match(await textOf('#remote-checked'), /ago$/);

    const uptime = await textOf('#uptime');
    await eventually('the uptime to tick', async () => (await textOf('#uptime')) !== uptime, 4_000);
  });

  test('a request through the proxy shows in the logs panel and in requests by route', async () => {
    const { page, proxy } = env;
    const tags = await fetch(`${proxy.url}/api/tags`);
    assert.equal(tags.status, 200);
    await eventually('the /api/tags access line', async () =>
      (await shownLines()).some((line) => line.includes('path=/api/tags')),
    );
    const row = page.locator('#routes-body tr[data-route="/api/tags"]');
    await eventually('the /api/tags route row', async () => Number(await row.locator('td.num').textContent()) >= 1);
    assert.equal(await page.locator('#active-streams-stat').isHidden(), false);
    assert.ok(Number((await textOf('#requests-total')).replace(/,/g, '')) >= 1);
    // The page's own polls are hidden by default, and shown on request.
    assert.ok(!(await shownLines()).some((line) => /method=GET path=\/_proxy\/logs/.test(line)));
    await page.check('#logs-own');
    await eventually('the page\'s own polls', async () =>
      (await shownLines()).some((line) => /method=GET path=\/_proxy\/(logs|status)/.test(line)),
    );
    await page.uncheck('#logs-own');
  });

  test('Copy puts the shown lines on the clipboard', async () => {
    const { page } = env;
    await page.click('#logs-copy');
    await eventually('the copy result', async () => /^Copied \d+ lines\.$/.test(await textOf('#logs-result')));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const lines = copied.split('\n');
    assert.ok(lines.some((line) => line.includes('path=/api/tags')), copied);
    // Lines may have arrived since: what was copied is the start of what is shown now.
    assert.deepEqual((await shownLines()).slice(0, lines.length), lines);
    assert.equal(Number(/^Copied (\d+)/.exec(await textOf('#logs-result'))[1]), lines.length);
  });

  test('Clear empties the panel, and a reloaded page shows none of the old lines', async () => {
    const { page } = env;
    await page.click('#logs-clear');
    await eventually('the clear result', async () => /^Cleared \d+ lines\.$/.test(await textOf('#logs-result')));
    assert.ok(!(await shownLines()).some((line) => line.includes('path=/api/tags')));

    const firstPoll = page.waitForResponse((r) => r.url().includes('/_proxy/logs?after=0'));
    await page.reload();
    assert.equal((await firstPoll).status(), 200);
    await eventually('the reloaded status', async () => (await textOf('#listener')) !== '…');
    const lines = await page.$$eval('#logs .line', (all) => all.map((line) => line.textContent));
    assert.ok(!lines.some((line) => line.includes('path=/api/tags')), lines.join('\n'));
  });

  test('switching the remote takes effect and is written to the config file', async () => {
    const { page, proxy, fake, second } = env;
    await page.fill('#remote-url', second.url);
    await page.click('#remote-switch');
    await eventually('the switch result', async () => /^Switched to /.test(await textOf('#remote-result')));
    const result = await textOf('#remote-result');
    assert.match(result, new RegExp(`Saved to ${proxy.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await eventually('the new target', async () => (await textOf('#remote-target')).includes(`127.0.0.1:${second.port}`));
    assert.equal(await page.inputValue('#remote-key'), '');

    await fake.clearRequests();
    await second.clearRequests();
    assert.equal((await fetch(`${proxy.url}/api/tags`)).status, 200);
    assert.equal((await second.requestsTo('/api/tags')).length, 1);
    assert.equal((await fake.requestsTo('/api/tags')).length, 0);
    assert.equal(configuredRemotePort(proxy.configFile), second.port);
  });

  test('Reload reports success and keeps the switched remote', async () => {
    const { page, second } = env;
    await page.click('#reload');
    await eventually('the reload result', async () => /^Reloaded\./.test(await textOf('#reload-result')));
    assert.notEqual(await page.getAttribute('#reload-result', 'data-kind'), 'error');
    await eventually('the target after reload', async () =>
      (await textOf('#remote-target')).includes(`127.0.0.1:${second.port}`),
    );
  });

  test('the page loads nothing from elsewhere and logs no console errors', async () => {
    const { page, proxy } = env;
    if (SCREENSHOT) {
      // Some traffic for the picture: native and OpenAI calls, one of them refused.
      const post = (path, body) =>
        fetch(`${proxy.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await fetch(`${proxy.url}/api/tags`);
      await fetch(`${proxy.url}/v1/models`);
      await post('/v1/chat/completions', { model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] });
      await post('/api/chat', { model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }], stream: false });
      await post('/v1/chat/completions', { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] });
      await page.click('#recheck');
      await eventually('the traffic in the logs', async () =>
        (await shownLines()).some((line) => line.includes('no-such-model') || line.includes('status=404')),
      );
      await eventually('the routes table', async () =>
        (await page.locator('#routes-body tr[data-route="/v1/chat/completions"]').count()) === 1,
      );
      await page.screenshot({ path: SCREENSHOT });
      console.log(`status page: screenshot saved to ${SCREENSHOT}`);
    }
    assert.deepEqual(env.foreignRequests, []);
    assert.deepEqual(env.consoleErrors, []);
    assert.equal(await page.locator('#status-error').isHidden(), true);
  });
});

describe('status page with client keys', { skip: SKIP }, () => {
  const env = {};

  before(async () => {
    env.fake = await startFake();
    env.proxy = await startProxy({
      config: {
        remote: { host: '127.0.0.1', port: env.fake.port },
        auth: {
          enabled: true,
          tokens: [
            { key: 'sk-team-secret', name: 'team', limitPerMinute: 5, limitTokensPerMinute: 1000, maxConcurrent: 3 },
            { key: 'sk-ci-secret', name: 'ci' },
          ],
        },
      },
    });
    env.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    env.page = await env.browser.newPage();
  });

  after(async () => {
    await env.browser?.close();
    await stopAll();
  });

  test('shows each key by name with the use of its quotas, never the key', async () => {
    const { page, proxy } = env;
    for (let i = 0; i < 2; ++i) {
      const chat = await fetch(`${proxy.url}/api/chat`, {
        method: 'POST',
        headers: { 'x-api-key': 'sk-team-secret' },
        body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi there' }], stream: false }),
      });
      assert.equal(chat.status, 200);
      await chat.arrayBuffer();
    }
    // The page itself needs no key: loopback callers reach the admin surface.
    await page.goto(`${proxy.url}/_proxy/`);
    const team = page.locator('#keys-body tr[data-key="team"]');
    await eventually('the team key row', async () => (await team.count()) === 1);
    assert.equal(await page.locator('#auth-state').textContent(), 'auth enabled');
    const cells = await team.locator('td').allTextContents();
    assert.equal(cells[0], 'team');
    assert.equal(cells[1], '0 / 3');
    assert.match(cells[2], /^2 of 5 used/);
    assert.match(cells[3], /^\d+ of 1,000 used/);
    assert.notEqual(cells[3].match(/^(\d+)/)[1], '0', 'the tokens of the two replies are counted');
    const ci = await page.locator('#keys-body tr[data-key="ci"] td').allTextContents();
    assert.deepEqual(ci.slice(2), ['no limit', 'no limit']);
    const html = await page.content();
    assert.ok(!html.includes('sk-team-secret') && !html.includes('sk-ci-secret'));
  });
});
