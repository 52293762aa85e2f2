// Per-key quotas through the official OpenAI SDK: a refusal is a RateLimitError carrying the
// proxy's headers, and the SDK's own retry waits as long as the proxy's Retry-After says.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

import { startFake, startProxy, stopAll } from './support/harness.mjs';

const env = {};

before(async () => {
  env.fake = await startFake();
  env.proxy = await startProxy({
    config: {
      remote: { host: '127.0.0.1', port: env.fake.port },
      auth: {
        enabled: true,
        tokens: [
          { key: 'sk-one-a-minute', name: 'scarce', limitPerMinute: 1 },
          { key: 'sk-one-at-a-time', name: 'single', maxConcurrent: 1 },
        ],
      },
    },
  });
});

after(stopAll);

const chat = { model: 'llama3.2:latest', messages: [{ role: 'user', content: 'quota' }] };

test('quotas: past the limit the SDK raises RateLimitError with the headers that explain it', async () => {
  const client = new OpenAI({
    baseURL: env.proxy.openaiURL,
    apiKey: 'sk-one-a-minute',
    maxRetries: 0,
  });
  const { data, response } = await client.chat.completions.create(chat).withResponse();
  assert.equal(data.choices[0].message.content, 'You said: quota');
  assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1');
  assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '0');

  await assert.rejects(client.chat.completions.create(chat), (error) => {
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.code, 'rate_limit_exceeded');
    const retryAfter = Number(error.headers.get('retry-after'));
    assert.ok(retryAfter >= 59 && retryAfter <= 61, `retry-after ${retryAfter}`);
    assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
    return true;
  });
});

test('quotas: the SDK retries after the Retry-After the proxy announced, and gets in', async () => {
  // A slow native stream holds the key's only place for about half a second.
  const slow = fetch(`${env.proxy.url}/api/chat`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-one-at-a-time', 'x-fake-interval-ms': '150' },
    body: JSON.stringify({
      model: 'llama3.2:latest',
      messages: [{ role: 'user', content: 'one two three' }],
    }),
  }).then((r) => r.text());
  await waitForInFlight('single', 1);

  const attempts = [];
  const client = new OpenAI({
    baseURL: env.proxy.openaiURL,
    apiKey: 'sk-one-at-a-time',
    maxRetries: 2,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      attempts.push({
        at: performance.now(),
        status: response.status,
        retryAfterMs: Number(response.headers.get('retry-after-ms')),
      });
      return response;
    },
  });
  const reply = await client.chat.completions.create(chat);
  assert.equal(reply.choices[0].message.content, 'You said: quota');
  await slow;

  assert.equal(attempts[0].status, 429);
  assert.equal(attempts.at(-1).status, 200);
  for (let i = 1; i < attempts.length; i += 1) {
    const waited = attempts[i].at - attempts[i - 1].at;
    // The SDK waits what retry-after-ms says (1 s for a key at its concurrency cap).
    assert.ok(waited >= attempts[i - 1].retryAfterMs - 50, `waited ${waited} ms`);
  }
});

async function waitForInFlight(name, count) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const status = await (await fetch(`${env.proxy.url}/_proxy/status`)).json();
    const key = status.auth.keys.find((k) => k.name === name);
    if (key && key.in_flight === count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`key ${name} never had ${count} request(s) in flight`);
}
