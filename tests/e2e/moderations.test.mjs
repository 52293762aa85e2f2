// POST /v1/moderations -> native /api/chat with a JSON-schema format, on the model named by
// --moderation-model. The fake's x/fake-moderator flags a category when the text names it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { errorOf, useProxy } from './support/setup.mjs';

const env = useProxy({ proxyArgs: ['--moderation-model', 'x/fake-moderator'] });

const CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
];

test('moderations: one string gives one result with every category', async () => {
  const response = await env.client.moderations.create({
    model: 'omni-moderation-latest',
    input: 'a story about hate',
  });
  assert.match(response.id, /^modr-/);
  assert.equal(response.model, 'x/fake-moderator');
  assert.equal(response.results.length, 1);
  const [result] = response.results;
  assert.equal(result.flagged, true);
  assert.deepEqual(Object.keys(result.categories), CATEGORIES);
  assert.deepEqual(Object.keys(result.category_scores), CATEGORIES);
  assert.deepEqual(Object.keys(result.category_applied_input_types), CATEGORIES);
  assert.equal(result.categories.hate, true);
  assert.equal(result.categories.violence, false);
  assert.equal(result.category_scores.hate, 0.9);
  assert.deepEqual(result.category_applied_input_types.hate, ['text']);

  const native = await env.fake.nativeBody('/api/chat');
  assert.equal(native.model, 'x/fake-moderator');
  assert.equal(native.stream, false);
  assert.deepEqual(native.format.required, ['categories', 'category_scores']);
  assert.deepEqual(native.messages[1], { role: 'user', content: 'a story about hate' });
});

test('moderations: each string of an array gets its own result, in order', async () => {
  const response = await env.client.moderations.create({
    input: ['calm words', 'talk of SELF-HARM'],
  });
  assert.deepEqual(
    response.results.map((r) => r.flagged),
    [false, true],
  );
  assert.equal(response.results[1].categories['self-harm'], true);
  assert.equal((await env.fake.requestsTo('/api/chat')).length, 2);
});

test('moderations: text and data: URI image parts are one input', async () => {
  const response = await env.client.moderations.create({
    input: [
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ],
  });
  assert.equal(response.results.length, 1);
  assert.deepEqual(response.results[0].category_applied_input_types.violence, ['text', 'image']);
  const native = await env.fake.nativeBody('/api/chat');
  assert.deepEqual(native.messages[1].images, ['iVBORw0KGgo=']);
});

test('moderations: remote image URLs are refused', async () => {
  const error = await errorOf(() =>
    env.client.moderations.create({
      input: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
    }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
});

test('moderations: an answer that is not a classification is a 502, not "not flagged"', async () => {
  const error = await errorOf(() => env.client.moderations.create({ input: 'unparseable' }));
  assert.ok(error instanceof OpenAI.InternalServerError, `${error?.stack ?? error}`);
  assert.equal(error.status, 502);
  assert.match(error.message, /could not be read as a classification/);
});
