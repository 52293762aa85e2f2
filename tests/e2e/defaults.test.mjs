// Per-model defaults from the config file's "models" section: options and keep_alive added to
// the native request for /v1 calls, with "*" as the fallback and the request's own values kept.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { startFake, startProxy, stopAll } from './support/harness.mjs';
import { openaiClient } from './support/setup.mjs';

const env = {};

before(async () => {
  env.fake = await startFake();
  env.proxy = await startProxy({
    config: {
      remote: { host: '127.0.0.1', port: env.fake.port },
      models: {
        'qwen3:8b': { options: { num_ctx: 8192 }, keep_alive: '10m' },
        '*': { options: { num_ctx: 4096 } },
      },
    },
  });
  env.client = openaiClient(env.proxy);
});

beforeEach(async () => {
  if (!env.fake) return;
  await env.fake.disarm();
  await env.fake.clearRequests();
});

after(stopAll);

async function chatNative(params) {
  await env.client.chat.completions.create({
    messages: [{ role: 'user', content: 'defaults?' }],
    ...params,
  });
  return env.fake.nativeBody('/api/chat');
}

test("defaults: a model's own entry sets options.num_ctx and keep_alive", async () => {
  const native = await chatNative({ model: 'qwen3:8b' });
  assert.equal(native.options?.num_ctx, 8192, JSON.stringify(native));
  assert.equal(native.keep_alive, '10m');
});

test("defaults: other models get the '*' entry", async () => {
  const native = await chatNative({ model: 'llama3.2:latest' });
  assert.equal(native.options?.num_ctx, 4096, JSON.stringify(native));
});

test('defaults: an option the request sets itself wins over the default', async () => {
  const native = await chatNative({ model: 'qwen3:8b', options: { num_ctx: 1024 } });
  assert.equal(native.options?.num_ctx, 1024, JSON.stringify(native));
});

test('defaults: mapped sampling fields sit next to the defaults', async () => {
  const native = await chatNative({ model: 'llama3.2:latest', temperature: 0.25 });
  assert.equal(native.options?.num_ctx, 4096);
  assert.equal(native.options?.temperature, 0.25);
});

test('defaults: native /api/chat through the proxy stays byte for byte', async () => {
  const body = '{"model":"qwen3:8b","messages":[{"role":"user","content":"raw"}],"stream":false}';
  const response = await fetch(`${env.proxy.url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  const [recorded] = await env.fake.requestsTo('/api/chat');
  assert.equal(recorded.body, body);
});
