// POST /v1/responses with the official SDK: response objects (and the SDK's own output_text),
// the raw event stream and the responses.stream() helper, reasoning, the function-call round trip
// through previous_response_id, and failures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import { assertNoRetry, collect, collectUntilError, errorOf, useProxy } from './support/setup.mjs';

const env = useProxy();

// The Responses API spells a function tool flat, without chat's `function: {}` wrapper.
const WEATHER = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
  strict: false,
};

function create(params) {
  return env.client.responses.create({ model: 'llama3.2:latest', ...params });
}

function eventTypes(events) {
  return events.map((e) => e.type);
}

test('responses: a plain answer is a completed response object', async () => {
  const response = await create({ input: 'Hello proxy' });
  assert.match(response.id, /^resp_/);
  assert.equal(response.object, 'response');
  assert.equal(response.status, 'completed');
  assert.equal(response.model, 'llama3.2:latest');
  assert.ok(Number.isInteger(response.created_at) && response.created_at > 1_600_000_000);
  assert.equal(response.output_text, 'You said: Hello proxy');
  assert.equal(response.output.length, 1);
  const [message] = response.output;
  assert.equal(message.type, 'message');
  assert.match(message.id, /^msg_/);
  assert.equal(message.role, 'assistant');
  assert.equal(message.status, 'completed');
  const { usage } = response;
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
  assert.ok(usage.output_tokens > 0);
});

test('responses: instructions and input items become native messages', async () => {
  const response = await create({
    instructions: 'Answer briefly.',
    input: [
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Second question' }] },
    ],
  });
  assert.equal(response.output_text, 'You said: Second question');
  assert.equal(response.instructions, 'Answer briefly.');
  const native = await env.fake.nativeBody('/api/chat');
  assert.deepEqual(native.messages, [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'First question' },
    { role: 'assistant', content: 'First answer' },
    { role: 'user', content: 'Second question' },
  ]);
});

test('responses: a raw stream is the typed event sequence ending in response.completed', async () => {
  const events = await collect(await create({ input: 'Stream this please', stream: true }));
  assert.deepEqual(eventTypes(events).slice(0, 4), [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.content_part.added',
  ]);
  assert.deepEqual(eventTypes(events).slice(-4), [
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.completed',
  ]);
  events.forEach((event, i) => assert.equal(event.sequence_number, i, JSON.stringify(event)));
  const text = events
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join('');
  assert.equal(text, 'You said: Stream this please');
  const completed = events.at(-1).response;
  assert.equal(completed.status, 'completed');
  assert.equal(completed.id, events[0].response.id);
  assert.equal(completed.output[0].content[0].text, text);
  assert.ok(completed.usage.output_tokens > 0);
});

test('responses: the stream() helper accumulates the events into the final response', async () => {
  const stream = env.client.responses.stream({
    model: 'qwen3:8b',
    input: 'Think then answer',
  });
  const seen = [];
  for await (const event of stream) seen.push(event.type);
  const response = await stream.finalResponse();
  assert.equal(seen[0], 'response.created');
  assert.equal(seen.at(-1), 'response.completed');
  assert.ok(seen.includes('response.reasoning_text.delta'), seen.join(' '));
  assert.equal(response.output_text, 'You said: Think then answer');
  assert.deepEqual(
    response.output.map((item) => item.type),
    ['reasoning', 'message'],
  );
  assert.equal(response.output[0].content[0].text, 'Thinking about: Think then answer');
});

test('responses: reasoning.effort none sends think:false', async () => {
  const response = await create({
    model: 'qwen3:8b',
    input: 'No thinking',
    reasoning: { effort: 'none' },
  });
  assert.equal((await env.fake.nativeBody('/api/chat')).think, false);
  assert.deepEqual(
    response.output.map((item) => item.type),
    ['message'],
  );
});

test('responses: a function-call round trip through previous_response_id', async () => {
  const first = await create({ input: 'What is the weather in Paris?', tools: [WEATHER] });
  assert.equal(first.output.length, 1, JSON.stringify(first.output));
  const [call] = first.output;
  assert.equal(call.type, 'function_call');
  assert.match(call.id, /^fc_/);
  assert.match(call.call_id, /^call_/);
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Tokyo' });
  await env.fake.clearRequests();

  const second = await create({
    previous_response_id: first.id,
    tools: [WEATHER],
    input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }],
  });
  assert.equal(second.status, 'completed');
  assert.equal(second.previous_response_id, first.id);
  assert.equal(second.output_text, 'Tool result: sunny, 21 C');

  const native = await env.fake.nativeBody('/api/chat');
  assert.equal(native.messages.length, 3, JSON.stringify(native.messages));
  const [user, assistant, tool] = native.messages;
  assert.deepEqual(user, { role: 'user', content: 'What is the weather in Paris?' });
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.tool_calls[0].id, call.call_id);
  assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(tool, {
    role: 'tool',
    content: 'sunny, 21 C',
    tool_call_id: call.call_id,
    tool_name: 'get_weather',
  });
});

test('responses: a streamed function call continues through previous_response_id', async () => {
  const stream = env.client.responses.stream({
    model: 'llama3.2:latest',
    input: 'weather in Oslo?',
    tools: [WEATHER],
  });
  const first = await stream.finalResponse();
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  const second = await env.client.responses
    .stream({
      model: 'llama3.2:latest',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'cold' }],
    })
    .finalResponse();
  assert.equal(second.output_text, 'Tool result: cold');
});

test('responses: an unknown previous_response_id is a NotFoundError previous_response_not_found', async () => {
  const error = await errorOf(() => create({ input: 'hi', previous_response_id: 'resp_unknown' }));
  assert.ok(error instanceof OpenAI.NotFoundError, `${error?.stack ?? error}`);
  assert.equal(error.status, 404);
  assert.equal(error.code, 'previous_response_not_found');
  assert.equal(error.param, 'previous_response_id');
  assert.match(error.message, /resp_unknown/);
  assertNoRetry(error);
  assert.equal((await env.fake.requestsTo('/api/chat')).length, 0);
});

test('responses: store false is not kept for previous_response_id', async () => {
  const response = await create({ input: 'Forget this', store: false });
  assert.equal(response.store, false);
  const error = await errorOf(() => create({ input: 'again', previous_response_id: response.id }));
  assert.ok(error instanceof OpenAI.NotFoundError, `${error?.stack ?? error}`);
});

test('responses: max_output_tokens cuts the answer and makes it incomplete', async () => {
  const response = await create({
    input: 'a b c d e f g h i j k l m n o p q r s t',
    max_output_tokens: 16,
  });
  assert.equal(response.status, 'incomplete');
  assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(response.output[0].status, 'incomplete');
  assert.equal(response.usage.output_tokens, 16);
});

test('responses: a failure in the middle of a stream throws, after response.created', async () => {
  await env.fake.arm('error-after=2');
  const { chunks, error } = await collectUntilError(
    await create({ input: 'This stream will break halfway through', stream: true }),
  );
  assert.ok(error instanceof OpenAI.APIError, `expected an OpenAI.APIError, got ${error?.stack ?? error}`);
  assert.equal(error.status, undefined, `${error?.stack ?? error}`);
  assert.match(error.message, /injected failure/);
  assert.equal(chunks[0].type, 'response.created');
  assert.ok(!eventTypes(chunks).includes('response.completed'), eventTypes(chunks).join(' '));

  await env.fake.arm('die-after=1');
  const helper = env.client.responses.stream({ model: 'llama3.2:latest', input: 'Break again' });
  const thrown = await errorOf(() => helper.finalResponse());
  assert.ok(thrown instanceof OpenAI.APIError, `${thrown?.stack ?? thrown}`);
});

test('responses: a refused request is an OpenAI error before any stream', async () => {
  const error = await errorOf(() =>
    create({ input: 'hi', stream: true, tools: [{ type: 'web_search' }] }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.param, 'tools[0].type');
  const missing = await errorOf(() => create({ model: 'no-such-model', input: 'hi' }));
  assert.ok(missing instanceof OpenAI.NotFoundError, `${missing?.stack ?? missing}`);
});
