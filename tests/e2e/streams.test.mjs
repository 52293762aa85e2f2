// POST /v1/chat/completions with stream:true: SSE chunks as the SDK sees them, the
// ChatCompletionStream helper, and failures in the middle of a stream.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import {
  TIME_TOOL,
  WEATHER_TOOL,
  collect,
  collectUntilError,
  errorOf,
  fakeTokens,
  useProxy,
  wordCount,
} from './support/setup.mjs';

const env = useProxy();

function stream(params) {
  return env.client.chat.completions.create({ model: 'llama3.2:latest', stream: true, ...params });
}

function user(content) {
  return [{ role: 'user', content }];
}

// The chunks that carry choices, and the text of choice `index` joined from its deltas.
function contentOf(chunks, index = 0) {
  return chunks
    .flatMap((c) => c.choices)
    .filter((c) => c.index === index)
    .map((c) => c.delta?.content ?? '')
    .join('');
}

function finishReasons(chunks, index = 0) {
  return chunks
    .flatMap((c) => c.choices)
    .filter((c) => c.index === index && c.finish_reason != null)
    .map((c) => c.finish_reason);
}

test('stream: chunks share one id and created, start with the role, end with finish_reason', async () => {
  const text = 'Stream this sentence';
  const chunks = await collect(await stream({ messages: user(text) }));
  assert.ok(chunks.length >= 2, `got ${chunks.length} chunks`);

  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, `ids: ${[...ids]}`);
  assert.match(chunks[0].id, /^chatcmpl-/);
  const created = new Set(chunks.map((c) => c.created));
  assert.equal(created.size, 1, `created values: ${[...created]}`);
  assert.ok(Number.isInteger(chunks[0].created));
  for (const chunk of chunks) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.model, 'llama3.2:latest');
    assert.ok(chunk.usage == null, `no usage without include_usage: ${JSON.stringify(chunk)}`);
  }

  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(contentOf(chunks), `You said: ${text}`);

  const withChoices = chunks.filter((c) => c.choices.length > 0);
  const last = withChoices.at(-1);
  assert.equal(last.choices[0].finish_reason, 'stop');
  for (const chunk of withChoices.slice(0, -1)) {
    assert.equal(chunk.choices[0].finish_reason, null, JSON.stringify(chunk));
  }
});

test('stream: include_usage adds a final chunk with no choices and the usage', async () => {
  const text = 'Usage at the end';
  const chunks = await collect(
    await stream({ messages: user(text), stream_options: { include_usage: true } }),
  );
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage, JSON.stringify(last));
  assert.equal(last.usage.prompt_tokens, wordCount(text));
  assert.equal(last.usage.completion_tokens, fakeTokens(`You said: ${text}`).length);
  assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
  assert.equal(last.id, chunks[0].id);
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(chunk.choices.length > 0, `only the last chunk has no choices: ${JSON.stringify(chunk)}`);
    assert.ok(chunk.usage == null, `usage only on the last chunk: ${JSON.stringify(chunk)}`);
  }
  assert.equal(contentOf(chunks), `You said: ${text}`);
  assert.deepEqual(finishReasons(chunks), ['stop']);
});

test('stream: a small max_tokens ends with finish_reason length', async () => {
  const chunks = await collect(await stream({ messages: user('A long story'), max_tokens: 2 }));
  assert.equal(contentOf(chunks), 'You said:');
  assert.deepEqual(finishReasons(chunks), ['length']);
});

test('stream: a thinking model streams its reasoning apart from the content', async () => {
  const text = 'Think first';
  const chunks = await collect(await stream({ model: 'qwen3:8b', messages: user(text) }));
  const reasoning = chunks
    .flatMap((c) => c.choices)
    .map((c) => c.delta?.reasoning_content ?? c.delta?.reasoning ?? '')
    .join('');
  assert.equal(reasoning, `Thinking about: ${text}`);
  assert.equal(contentOf(chunks), `You said: ${text}`);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.deepEqual(finishReasons(chunks), ['stop']);
});

test('stream: the stream() helper resolves finalChatCompletion', async () => {
  const text = 'Helper please';
  const runner = env.client.chat.completions.stream({
    model: 'llama3.2:latest',
    messages: user(text),
  });
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  const completion = await runner.finalChatCompletion();
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(completion.choices[0].message.content, `You said: ${text}`);
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.equal(deltas.join(''), `You said: ${text}`);
});

test('stream: tool calls stream with distinct indexes and ids, finish_reason tool_calls', async () => {
  const chunks = await collect(
    await stream({
      messages: user('Weather and time, use every tool'),
      tools: [WEATHER_TOOL, TIME_TOOL],
    }),
  );
  const fragments = chunks.flatMap((c) => c.choices).flatMap((c) => c.delta?.tool_calls ?? []);
  const byIndex = new Map();
  for (const fragment of fragments) {
    assert.ok(Number.isInteger(fragment.index), `fragment without index: ${JSON.stringify(fragment)}`);
    if (!byIndex.has(fragment.index)) {
      // The first fragment of a call carries its id, type and name.
      assert.match(fragment.id ?? '', /^call_/, JSON.stringify(fragment));
      assert.equal(fragment.type, 'function');
      byIndex.set(fragment.index, { id: fragment.id, name: fragment.function.name, arguments: '' });
    }
    byIndex.get(fragment.index).arguments += fragment.function?.arguments ?? '';
  }
  assert.deepEqual([...byIndex.keys()].sort(), [0, 1]);
  const calls = [byIndex.get(0), byIndex.get(1)];
  assert.notEqual(calls[0].id, calls[1].id);
  assert.deepEqual(
    calls.map((c) => c.name),
    ['get_weather', 'get_time'],
  );
  assert.deepEqual(JSON.parse(calls[0].arguments), { city: 'Tokyo' });
  assert.deepEqual(JSON.parse(calls[1].arguments), { zone: 'example', hours24: true });
  assert.deepEqual(finishReasons(chunks), ['tool_calls']);
});

test('stream: the stream() helper accumulates tool calls', async () => {
  const runner = env.client.chat.completions.stream({
    model: 'llama3.2:latest',
    messages: user('What is the weather? Use every tool.'),
    tools: [WEATHER_TOOL, TIME_TOOL],
  });
  const completion = await runner.finalChatCompletion();
  const [choice] = completion.choices;
  assert.equal(choice.finish_reason, 'tool_calls');
  const calls = choice.message.tool_calls ?? [];
  assert.equal(calls.length, 2, JSON.stringify(choice.message));
  assert.notEqual(calls[0].id, calls[1].id);
  for (const call of calls) {
    assert.match(call.id, /^call_/);
    assert.equal(call.type, 'function');
    assert.doesNotThrow(() => JSON.parse(call.function.arguments), call.function.arguments);
  }
  assert.deepEqual(
    calls.map((c) => c.function.name),
    ['get_weather', 'get_time'],
  );
});

test('stream: n=2 streams two choices, each with its own finish_reason', async () => {
  const text = 'Twice over';
  const chunks = await collect(await stream({ messages: user(text), n: 2 }));
  const indexes = new Set(chunks.flatMap((c) => c.choices).map((c) => c.index));
  assert.deepEqual([...indexes].sort(), [0, 1]);
  for (const index of [0, 1]) {
    assert.equal(contentOf(chunks, index), `You said: ${text}`, `choice ${index}`);
    assert.deepEqual(finishReasons(chunks, index), ['stop'], `choice ${index}`);
    const first = chunks.flatMap((c) => c.choices).find((c) => c.index === index);
    assert.equal(first.delta.role, 'assistant', `choice ${index} starts with the role`);
  }
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
});

// The fake answers "You said: ..." one word per NDJSON line; the fault hits the chat request
// after 2 lines. `count` is generous so the fault also covers any other upstream call the proxy
// might make first (plain replies ignore stream faults); beforeEach disarms it.
async function armStreamFault(fault) {
  await env.fake.arm(fault, 10);
}

for (const fault of ['error-after=2', 'die-after=2']) {
  test(`stream: ${fault} upstream makes the iteration throw an APIError`, async () => {
    await armStreamFault(fault);
    const { chunks, error } = await collectUntilError(
      await stream({ messages: user('This stream will break halfway through') }),
    );
    assert.ok(error instanceof OpenAI.APIError, `expected an OpenAI.APIError, got ${error?.stack ?? error}`);
    // An error event inside a 200 stream, not an HTTP error status before it.
    assert.equal(error.status, undefined, `${error?.stack ?? error}`);
    if (fault.startsWith('error-after')) {
      assert.match(error.message, /injected failure/);
    }
    // What came before the failure was delivered, and nothing claimed a clean finish.
    assert.equal(contentOf(chunks), 'You said:');
    assert.deepEqual(finishReasons(chunks), []);

    await env.fake.disarm();
    const after = await env.client.chat.completions.create({
      model: 'llama3.2:latest',
      messages: user('still alive'),
    });
    assert.equal(after.choices[0].message.content, 'You said: still alive');
  });

  test(`stream: ${fault} upstream makes the stream() helper reject`, async () => {
    await armStreamFault(fault);
    const runner = env.client.chat.completions.stream({
      model: 'llama3.2:latest',
      messages: user('This helper stream will break'),
    });
    const deltas = [];
    runner.on('content', (delta) => deltas.push(delta));
    const error = await errorOf(() => runner.finalChatCompletion());
    assert.ok(error instanceof OpenAI.APIError, `expected an OpenAI.APIError, got ${error?.stack ?? error}`);
    assert.equal(error.status, undefined, `an in-stream error, not an HTTP status: ${error?.stack ?? error}`);
    assert.equal(deltas.join(''), 'You said:');
  });
}
