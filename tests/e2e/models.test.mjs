// GET /v1/models -> native /api/tags, GET /v1/models/{id} -> native /api/show.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { assertNoRetry, errorOf, useProxy } from './support/setup.mjs';

const env = useProxy();

const FAKE_MODELS = [
  'llama3.2:latest',
  'llava:7b',
  'nomic-embed-text:latest',
  'qwen3:8b',
  'x/fake-audio:latest',
  'x/fake-image:latest',
  'x/fake-moderator:latest',
];

function assertModel(model) {
  assert.equal(typeof model.id, 'string');
  assert.equal(model.object, 'model');
  assert.ok(Number.isInteger(model.created), `created ${model.created}`);
  assert.ok(model.created > 1_600_000_000, `created ${model.created} is in Unix seconds`);
  assert.equal(typeof model.owned_by, 'string');
}

test("models: list returns the remote's models", async () => {
  const page = await env.client.models.list();
  const ids = page.data.map((m) => m.id);
  assert.deepEqual([...ids].sort(), FAKE_MODELS);
  for (const model of page.data) assertModel(model);
  assert.ok((await env.fake.requestsTo('/api/tags')).length >= 1, 'served from native /api/tags');
});

test('models: list can be iterated with for await', async () => {
  const ids = [];
  for await (const model of env.client.models.list()) ids.push(model.id);
  assert.deepEqual(ids.sort(), FAKE_MODELS);
});

test('models: retrieve a model by id', async () => {
  const model = await env.client.models.retrieve('qwen3:8b');
  assertModel(model);
  assert.equal(model.id, 'qwen3:8b');
  const requests = await env.fake.requestsTo('/api/show');
  assert.ok(requests.length >= 1, 'served from native /api/show');
  const body = JSON.parse(requests.at(-1).body);
  assert.equal(body.model ?? body.name, 'qwen3:8b');
});

test('models: retrieve an id with a slash (sent as %2F by the SDK)', async () => {
  const model = await env.client.models.retrieve('library/qwen3:8b');
  assertModel(model);
  assert.match(model.id, /qwen3:8b$/);
});

test('models: an unknown id is a NotFoundError with code model_not_found', async () => {
  const error = await errorOf(() => env.client.models.retrieve('no-such-model:1b'));
  assert.ok(error instanceof OpenAI.NotFoundError, `${error?.stack ?? error}`);
  assert.equal(error.status, 404);
  assert.equal(error.code, 'model_not_found');
  assertNoRetry(error);
  assert.equal(typeof error.error?.message, 'string');
  const model = await env.client.models.retrieve('llama3.2:latest');
  assert.equal(model.id, 'llama3.2:latest');
});
