// POST /v1/embeddings -> native /api/embed. The SDK asks for base64 unless told otherwise and
// decodes little-endian float32 itself.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { assertNoRetry, errorOf, useProxy } from './support/setup.mjs';

const env = useProxy();
const MODEL = 'nomic-embed-text';

function embed(params) {
  return env.client.embeddings.create({ model: MODEL, ...params });
}

function norm(vector) {
  return Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
}

function assertClose(actual, expected, tolerance, what) {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${what}: [${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

test('embeddings: the default (base64) request decodes to a 768-float unit vector', async () => {
  const response = await embed({ input: 'hi' });
  assert.equal(response.object, 'list');
  assert.equal(response.data.length, 1);
  const [item] = response.data;
  assert.equal(item.object, 'embedding');
  assert.equal(item.index, 0);
  assert.equal(item.embedding.length, 768);
  for (const x of item.embedding) assert.ok(Number.isFinite(x), `non-finite value ${x}`);
  assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-3, `norm ${norm(item.embedding)}`);
  assert.equal(typeof response.usage?.prompt_tokens, 'number');
  assert.equal(typeof response.model, 'string');

  const native = await env.fake.nativeBody('/api/embed');
  assert.match(native.model, /^nomic-embed-text/);
  assert.deepEqual([native.input].flat(), ['hi']);
});

test('embeddings: base64 and float encodings give the same vector', async () => {
  const decoded = (await embed({ input: 'hi' })).data[0].embedding;
  const floats = (await embed({ input: 'hi', encoding_format: 'float' })).data[0].embedding;
  assert.ok(Array.isArray(floats), 'float encoding returns a JSON array');
  assertClose(decoded, floats, 1e-6, 'base64 vs float');
});

test('embeddings: explicit base64 encoding returns a string of little-endian float32', async () => {
  const response = await embed({ input: 'hi', encoding_format: 'base64' });
  const encoded = response.data[0].embedding;
  assert.equal(typeof encoded, 'string');
  const bytes = Buffer.from(encoded, 'base64');
  assert.equal(bytes.length, 768 * 4);
  const values = Array.from({ length: 768 }, (_, i) => bytes.readFloatLE(i * 4));
  const floats = (await embed({ input: 'hi', encoding_format: 'float' })).data[0].embedding;
  assertClose(values, floats, 1e-6, 'explicit base64 vs float');
});

test('embeddings: an array of three inputs gives three items in input order', async () => {
  const inputs = ['alpha', 'beta', 'gamma'];
  const response = await embed({ input: inputs, encoding_format: 'float' });
  assert.equal(response.data.length, 3);
  assert.deepEqual(
    response.data.map((d) => d.index),
    [0, 1, 2],
  );
  for (const [i, input] of inputs.entries()) {
    const single = (await embed({ input, encoding_format: 'float' })).data[0].embedding;
    assertClose(response.data[i].embedding, single, 1e-6, `input ${i} (${input})`);
  }
  assert.notDeepEqual(response.data[0].embedding, response.data[1].embedding);
});

test('embeddings: dimensions cuts the vector to 64 unit-length floats', async () => {
  const response = await embed({ input: 'hi', dimensions: 64 });
  const vector = response.data[0].embedding;
  assert.equal(vector.length, 64);
  assert.ok(Math.abs(norm(vector) - 1) < 1e-3, `norm ${norm(vector)}`);
});

test('embeddings: token-array input is refused with 400', async () => {
  const error = await errorOf(() => embed({ input: [[1, 2, 3]] }));
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.status, 400);
  assertNoRetry(error);
});
