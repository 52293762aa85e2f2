// Errors in OpenAI's dialect: {error:{message,type,param,code}}, the SDK's error classes,
// x-should-retry on errors a retry cannot fix, and a proxy that keeps serving afterwards.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { closedPort, startProxy } from './support/harness.mjs';
import { assertNoRetry, errorOf, openaiClient, useProxy } from './support/setup.mjs';

const env = useProxy();

// Starts an extra proxy for one test and stops it afterwards (all are stopped by stopAll too).
async function withProxy(options, fn) {
  const proxy = await startProxy(options);
  try {
    await fn(proxy, openaiClient(proxy));
  } finally {
    await proxy.stop();
  }
}

async function assertStillServes(client = env.client) {
  const completion = await client.chat.completions.create({
    model: 'llama3.2:latest',
    messages: [{ role: 'user', content: 'still fine' }],
  });
  assert.equal(completion.choices[0].message.content, 'You said: still fine');
}

function assertErrorBody(body) {
  assert.ok(body && typeof body.error === 'object' && body.error !== null, JSON.stringify(body));
  const { error } = body;
  for (const key of ['message', 'type', 'param', 'code']) {
    assert.ok(key in error, `error.${key} is present: ${JSON.stringify(error)}`);
  }
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.equal(typeof error.type, 'string');
  assert.ok(error.param === null || typeof error.param === 'string');
  assert.ok(error.code === null || typeof error.code === 'string');
}

test('errors: a malformed JSON body is a 400 with the OpenAI error shape', async () => {
  const response = await fetch(`${env.proxy.openaiURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
    body: '{"model": "llama3.2:latest", "messages": [',
  });
  assert.equal(response.status, 400);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('x-should-retry'), 'false');
  const body = await response.json();
  assertErrorBody(body);
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal((await env.fake.requestsTo('/api/chat')).length, 0, 'nothing sent upstream');
  await assertStillServes();
});

test('errors: messages of the wrong JSON type is a BadRequestError', async () => {
  const error = await errorOf(() =>
    env.client.chat.completions.create({ model: 'llama3.2:latest', messages: 'not an array' }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assertNoRetry(error);
  await assertStillServes();
});

test('errors: a chat with an unknown model is a NotFoundError (404)', async () => {
  const error = await errorOf(() =>
    env.client.chat.completions.create({
      model: 'no-such-model:1b',
      messages: [{ role: 'user', content: 'hello' }],
    }),
  );
  assert.ok(error instanceof OpenAI.NotFoundError, `${error?.stack ?? error}`);
  assert.equal(error.status, 404);
  assert.equal(typeof error.error?.message, 'string');
  assertNoRetry(error);
  await assertStillServes();
});

test('errors: a chat without messages is a BadRequestError', async () => {
  const error = await errorOf(() => env.client.chat.completions.create({ model: 'llama3.2:latest' }));
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.status, 400);
  assert.equal(error.type, 'invalid_request_error');
  assertNoRetry(error);
  await assertStillServes();
});

test('errors: the error body of a 404 has all four fields', async () => {
  const response = await fetch(`${env.proxy.openaiURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'no-such-model:1b', messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(response.headers.get('x-should-retry'), 'false');
  assertErrorBody(await response.json());
});

test('errors: a proxy whose remote is down answers 502 (InternalServerError)', async () => {
  await withProxy({ remote: `127.0.0.1:${await closedPort()}` }, async (_proxy, client) => {
    const ask = () =>
      client.chat.completions.create({
        model: 'llama3.2:latest',
        messages: [{ role: 'user', content: 'anyone there?' }],
      });
    const error = await errorOf(ask);
    assert.ok(error instanceof OpenAI.InternalServerError, `${error?.stack ?? error}`);
    assert.equal(error.status, 502);
    assert.equal(typeof error.error?.message, 'string');
    // The proxy itself keeps answering: the same request gets the same answer again.
    const again = await errorOf(ask);
    assert.equal(again.status, 502, `${again?.stack ?? again}`);
  });
});

test('errors: a body over --max-body-size is refused with 413', async () => {
  await withProxy({ remote: env.fake, args: ['--max-body-size', '65536'] }, async (_proxy, client) => {
    const big = 'x'.repeat(100 * 1024);
    const error = await errorOf(() =>
      client.chat.completions.create({
        model: 'llama3.2:latest',
        messages: [{ role: 'user', content: big }],
      }),
    );
    assert.ok(error instanceof OpenAI.APIError, `${error?.stack ?? error}`);
    assert.equal(error.status, 413, `${error?.stack ?? error}`);
    assertNoRetry(error);
    assert.equal((await env.fake.requestsTo('/api/chat')).length, 0, 'nothing sent upstream');
    await assertStillServes(client);
  });
});
