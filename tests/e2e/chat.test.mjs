// POST /v1/chat/completions, non-streaming: response shape, and the native /api/chat request
// the proxy sends (read back from the fake's request log).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';

import {
  TIME_TOOL,
  WEATHER_TOOL,
  assertNoRetry,
  errorOf,
  fakeTokens,
  useProxy,
  wordCount,
} from './support/setup.mjs';

const env = useProxy();

// A 1x1 transparent PNG.
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

function chat(params) {
  return env.client.chat.completions.create({ model: 'llama3.2:latest', ...params });
}

function user(content) {
  return [{ role: 'user', content }];
}

async function nativeChat() {
  return env.fake.nativeBody('/api/chat');
}

test('chat: a plain answer has the chat.completion shape', async () => {
  const text = 'Hello there proxy';
  const completion = await chat({ messages: user(text) });

  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.object, 'chat.completion');
  assert.ok(Number.isInteger(completion.created), `created ${completion.created}`);
  assert.ok(completion.created > 1_600_000_000, `created ${completion.created} is in Unix seconds`);
  assert.equal(completion.model, 'llama3.2:latest');
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(choice.message.content, `You said: ${text}`);
  assert.equal(choice.finish_reason, 'stop');
  assert.ok(!choice.message.tool_calls || choice.message.tool_calls.length === 0);
});

test('chat: usage is prompt_eval_count / eval_count and total is their sum', async () => {
  const text = 'Count these four words';
  const completion = await chat({ messages: user(text) });
  const { usage } = completion;
  assert.ok(usage, 'usage is present');
  assert.equal(usage.prompt_tokens, wordCount(text));
  assert.equal(usage.completion_tokens, fakeTokens(`You said: ${text}`).length);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

test('chat: a thinking model returns reasoning_content and reasoning', async () => {
  const text = 'Why is the sky blue?';
  const completion = await chat({ model: 'qwen3:8b', messages: user(text) });
  const { message } = completion.choices[0];
  assert.equal(message.content, `You said: ${text}`);
  assert.equal(message.reasoning_content, `Thinking about: ${text}`);
  assert.equal(message.reasoning, `Thinking about: ${text}`);
  assert.equal(completion.choices[0].finish_reason, 'stop');
});

test("chat: reasoning_effort 'none' sends think:false and returns no reasoning", async () => {
  const text = 'Answer without thinking';
  const completion = await chat({ model: 'qwen3:8b', messages: user(text), reasoning_effort: 'none' });
  const native = await nativeChat();
  assert.equal(native.think, false);
  const { message } = completion.choices[0];
  assert.equal(message.content, `You said: ${text}`);
  assert.ok(!message.reasoning_content, `no reasoning_content: ${JSON.stringify(message)}`);
  assert.ok(!message.reasoning, `no reasoning: ${JSON.stringify(message)}`);
});

test('chat: sampling fields map to native options', async () => {
  await chat({
    messages: user('map my options'),
    temperature: 0.25,
    top_p: 0.75,
    max_tokens: 50,
    seed: 42,
    frequency_penalty: 0.5,
    presence_penalty: 0.125,
    stop: 'END',
  });
  const native = await nativeChat();
  assert.equal(native.model, 'llama3.2:latest');
  assert.deepEqual(native.messages, [{ role: 'user', content: 'map my options' }]);
  const { options } = native;
  assert.ok(options, 'native options present');
  assert.equal(options.temperature, 0.25);
  assert.equal(options.top_p, 0.75);
  assert.equal(options.num_predict, 50);
  assert.equal(options.seed, 42);
  assert.equal(options.frequency_penalty, 0.5);
  assert.equal(options.presence_penalty, 0.125);
  assert.deepEqual(options.stop, ['END']);
});

test('chat: max_completion_tokens maps to options.num_predict', async () => {
  await chat({ messages: user('limit me'), max_completion_tokens: 40 });
  const native = await nativeChat();
  assert.equal(native.options?.num_predict, 40);
});

test('chat: a stop array maps to options.stop', async () => {
  await chat({ messages: user('stop here'), stop: ['a', 'b'] });
  const native = await nativeChat();
  assert.deepEqual(native.options?.stop, ['a', 'b']);
});

test('chat: unset sampling fields are absent from native options', async () => {
  await chat({ messages: user('no sampling fields') });
  const native = await nativeChat();
  const options = native.options ?? {};
  for (const key of [
    'temperature',
    'top_p',
    'num_predict',
    'stop',
    'seed',
    'frequency_penalty',
    'presence_penalty',
  ]) {
    assert.ok(!(key in options), `options.${key} should be absent: ${JSON.stringify(options)}`);
  }
  assert.ok(!('format' in native), `no format: ${JSON.stringify(native)}`);
});

test("chat: response_format json_object sends format 'json'", async () => {
  await chat({ messages: user('Reply in JSON'), response_format: { type: 'json_object' } });
  const native = await nativeChat();
  assert.equal(native.format, 'json');
});

test('chat: response_format json_schema sends the schema as format', async () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'integer' } },
    required: ['name', 'age'],
    additionalProperties: false,
  };
  await chat({
    messages: user('Describe a person'),
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
  });
  const native = await nativeChat();
  assert.deepEqual(native.format, schema);
});

test('chat: options and keep_alive extras pass through next to mapped fields', async () => {
  await chat({
    messages: user('extras please'),
    temperature: 0.5,
    options: { num_ctx: 2048, top_k: 7 },
    keep_alive: '5m',
  });
  const native = await nativeChat();
  assert.equal(native.keep_alive, '5m');
  assert.equal(native.options?.num_ctx, 2048);
  assert.equal(native.options?.top_k, 7);
  assert.equal(native.options?.temperature, 0.5);
});

test('chat: system, developer, user and assistant messages reach the native request in order', async () => {
  const completion = await chat({
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      { role: 'user', content: 'Second question' },
    ],
  });
  assert.equal(completion.choices[0].message.content, 'You said: Second question');
  const native = await nativeChat();
  const roles = native.messages.map((m) => m.role);
  assert.equal(roles.length, 5, JSON.stringify(native.messages));
  assert.equal(roles[0], 'system');
  assert.ok(['system', 'developer'].includes(roles[1]), `developer role sent as ${roles[1]}`);
  assert.deepEqual(roles.slice(2), ['user', 'assistant', 'user']);
  assert.deepEqual(
    native.messages.map((m) => m.content),
    ['You are terse.', 'Answer in English.', 'First question', 'First answer', 'Second question'],
  );
});

test('chat: text parts of a content array become native text', async () => {
  const completion = await chat({
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Parts work' }] }],
  });
  assert.equal(completion.choices[0].message.content, 'You said: Parts work');
});

test('chat: an image_url data: URI becomes bare base64 in native images', async () => {
  await chat({
    model: 'llava:7b',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
        ],
      },
    ],
  });
  const native = await nativeChat();
  const users = native.messages.filter((m) => m.role === 'user');
  assert.ok(users.length >= 1, JSON.stringify(native.messages));
  const images = users.flatMap((m) => m.images ?? []);
  assert.deepEqual(images, [PNG_BASE64]);
  const texts = users.map((m) => m.content ?? '').join('');
  assert.equal(texts, 'What is in this picture?');
});

test('chat: an http(s) image URL is refused with 400', async () => {
  const error = await errorOf(() =>
    chat({
      model: 'llava:7b',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.status, 400);
  assertNoRetry(error);
});

test('chat: assistant tool_calls history and tool results map to native messages', async () => {
  const completion = await chat({
    tools: [WEATHER_TOOL],
    messages: [
      { role: 'user', content: 'Is it warm in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_abc123',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc123', content: 'sunny, 21 C' },
      { role: 'user', content: 'Thanks' },
    ],
  });
  assert.equal(completion.choices[0].message.content, 'You said: Thanks');
  const native = await nativeChat();
  assert.equal(native.messages.length, 4, JSON.stringify(native.messages));
  const [, assistant, tool] = native.messages;
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.tool_calls?.length, 1, JSON.stringify(assistant));
  assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(assistant.tool_calls[0].function.arguments, { city: 'Paris' });
  assert.equal(tool.role, 'tool');
  assert.equal(tool.tool_call_id, 'call_abc123');
  assert.equal(tool.content, 'sunny, 21 C');
});

test("chat: tool_choice 'none' sends no tools natively", async () => {
  const text = 'What is the weather in Tokyo?';
  const completion = await chat({ messages: user(text), tools: [WEATHER_TOOL], tool_choice: 'none' });
  const native = await nativeChat();
  assert.ok(!native.tools || native.tools.length === 0, `tools sent: ${JSON.stringify(native.tools)}`);
  assert.equal(completion.choices[0].message.content, `You said: ${text}`);
  assert.equal(completion.choices[0].finish_reason, 'stop');
});

test('chat: a small max_tokens ends with finish_reason length', async () => {
  const completion = await chat({ messages: user('Tell me a long story'), max_tokens: 2 });
  assert.equal(completion.choices[0].finish_reason, 'length');
  assert.equal(completion.choices[0].message.content, 'You said:');
  assert.equal(completion.usage.completion_tokens, 2);
});

test('chat: a tool call has finish_reason tool_calls and JSON string arguments', async () => {
  const completion = await chat({
    messages: user('What is the weather in Tokyo?'),
    tools: [WEATHER_TOOL],
  });
  const [choice] = completion.choices;
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.ok(choice.message.content === null || choice.message.content === '', `content ${choice.message.content}`);
  assert.equal(choice.message.tool_calls?.length, 1, JSON.stringify(choice.message));
  const [call] = choice.message.tool_calls;
  assert.match(call.id, /^call_/);
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.equal(typeof call.function.arguments, 'string');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Tokyo' });

  const native = await nativeChat();
  assert.equal(native.tools?.length, 1);
  assert.equal(native.tools[0].function.name, 'get_weather');
});

test("chat: 'every tool' with two tools gives two calls with distinct ids", async () => {
  const completion = await chat({
    messages: user('Check the weather and the time, use every tool'),
    tools: [WEATHER_TOOL, TIME_TOOL],
  });
  const [choice] = completion.choices;
  assert.equal(choice.finish_reason, 'tool_calls');
  const calls = choice.message.tool_calls ?? [];
  assert.equal(calls.length, 2, JSON.stringify(choice.message));
  assert.deepEqual(
    calls.map((c) => c.function.name),
    ['get_weather', 'get_time'],
  );
  for (const call of calls) {
    assert.match(call.id, /^call_/);
    assert.equal(call.type, 'function');
  }
  assert.notEqual(calls[0].id, calls[1].id);
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'Tokyo' });
  assert.deepEqual(JSON.parse(calls[1].function.arguments), { zone: 'example', hours24: true });
});

test('chat: n=2 returns two choices, each finished', async () => {
  const text = 'Two answers please';
  const completion = await chat({ messages: user(text), n: 2 });
  assert.equal(completion.choices.length, 2);
  assert.deepEqual(
    completion.choices.map((c) => c.index),
    [0, 1],
  );
  for (const choice of completion.choices) {
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, `You said: ${text}`);
    assert.equal(choice.finish_reason, 'stop');
  }
});
