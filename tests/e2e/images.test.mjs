// POST /v1/images/generations -> native /api/generate with width and height, one call per image.
// The fake's x/fake-image answers with the base64 of "fake-image WxH seed S: PROMPT".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { assertNoRetry, errorOf, useProxy } from './support/setup.mjs';

const env = useProxy();

function decoded(item) {
  return Buffer.from(item.b64_json, 'base64').toString('utf8');
}

test('images: generate returns the native image as b64_json', async () => {
  const response = await env.client.images.generate({
    model: 'x/fake-image',
    prompt: 'a red fox',
    size: '1024x1536',
    response_format: 'b64_json',
    seed: 7,
  });
  assert.ok(Number.isInteger(response.created), `created ${response.created}`);
  assert.equal(response.data.length, 1);
  assert.equal(decoded(response.data[0]), 'fake-image 1024x1536 seed 7: a red fox');

  const native = await env.fake.nativeBody('/api/generate');
  assert.deepEqual(native, {
    model: 'x/fake-image',
    prompt: 'a red fox',
    stream: false,
    width: 1024,
    height: 1536,
    options: { seed: 7 },
  });
});

test('images: n images are n native calls', async () => {
  const response = await env.client.images.generate({ model: 'x/fake-image', prompt: 'p', n: 2 });
  assert.deepEqual(
    response.data.map(decoded),
    ['fake-image autoxauto seed none: p', 'fake-image autoxauto seed none: p'],
  );
  assert.equal((await env.fake.requestsTo('/api/generate')).length, 2);
});

test("images: a model that cannot make images gives the remote's 400", async () => {
  const error = await errorOf(() =>
    env.client.images.generate({ model: 'llama3.2', prompt: 'p', size: '256x256' }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.match(error.message, /does not support image generation/);
  assertNoRetry(error);
});

test('images: url replies are refused, as the proxy hosts no files', async () => {
  const error = await errorOf(() =>
    env.client.images.generate({ model: 'x/fake-image', prompt: 'p', response_format: 'url' }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.param, 'response_format');
  assert.match(error.message, /hosts no files/);
  assert.equal((await env.fake.requestsTo('/api/generate')).length, 0);
});
