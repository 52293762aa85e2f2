// POST /v1/completions (legacy text completions) -> native /api/generate.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { collect, fakeTokens, useProxy, wordCount } from './support/setup.mjs';

const env = useProxy();

function complete(params) {
  return env.client.completions.create({ model: 'llama3.2:latest', ...params });
}

test('completions: a non-streaming completion has the text_completion shape', async () => {
  const prompt = 'Once upon a time';
  const completion = await complete({ prompt });

  assert.match(completion.id, /^cmpl-/);
  assert.equal(completion.object, 'text_completion');
  assert.ok(Number.isInteger(completion.created), `created ${completion.created}`);
  assert.equal(completion.model, 'llama3.2:latest');
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.text, `You said: ${prompt}`);
  assert.equal(choice.finish_reason, 'stop');
  assert.equal(completion.usage.prompt_tokens, wordCount(prompt));
  assert.equal(completion.usage.completion_tokens, fakeTokens(`You said: ${prompt}`).length);
  assert.equal(
    completion.usage.total_tokens,
    completion.usage.prompt_tokens + completion.usage.completion_tokens,
  );

  const native = await env.fake.nativeBody('/api/generate');
  assert.equal(native.model, 'llama3.2:latest');
  assert.equal(native.prompt, prompt);
});

test('completions: max_tokens maps to num_predict and a short limit gives length', async () => {
  const completion = await complete({ prompt: 'Write a long essay', max_tokens: 2 });
  assert.equal(completion.choices[0].finish_reason, 'length');
  assert.equal(completion.choices[0].text, 'You said:');
  const native = await env.fake.nativeBody('/api/generate');
  assert.equal(native.options?.num_predict, 2);
});

test('completions: a stream joins text deltas and ends with the usage chunk', async () => {
  const prompt = 'Stream the story';
  const chunks = await collect(
    await complete({ prompt, stream: true, stream_options: { include_usage: true } }),
  );
  assert.ok(chunks.length >= 2, `got ${chunks.length} chunks`);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.match(chunks[0].id, /^cmpl-/);
  for (const chunk of chunks) assert.equal(chunk.object, 'text_completion');

  const choices = chunks.flatMap((c) => c.choices);
  assert.equal(choices.map((c) => c.text ?? '').join(''), `You said: ${prompt}`);
  const finishes = choices.filter((c) => c.finish_reason != null).map((c) => c.finish_reason);
  assert.deepEqual(finishes, ['stop']);

  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage, JSON.stringify(last));
  assert.equal(last.usage.prompt_tokens, wordCount(prompt));
  assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
});

test('completions: a prompt array of two strings gives two choices in prompt order', async () => {
  const completion = await complete({ prompt: ['First prompt', 'Second prompt'] });
  assert.equal(completion.choices.length, 2);
  assert.deepEqual(
    completion.choices.map((c) => c.index),
    [0, 1],
  );
  assert.equal(completion.choices[0].text, 'You said: First prompt');
  assert.equal(completion.choices[1].text, 'You said: Second prompt');
  for (const choice of completion.choices) assert.equal(choice.finish_reason, 'stop');
});
