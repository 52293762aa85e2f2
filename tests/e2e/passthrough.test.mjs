// Native /api/* through the proxy with the official `ollama` npm client, plus byte-for-byte
// checks with plain fetch against the fake directly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ollama } from 'ollama';

import { useProxy } from './support/setup.mjs';

const env = useProxy();

function ollama() {
  return new Ollama({ host: env.proxy.url });
}

const FAKE_MODELS = [
  'llama3.2:latest',
  'llava:7b',
  'nomic-embed-text:latest',
  'qwen3:8b',
  'x/fake-audio:latest',
  'x/fake-image:latest',
  'x/fake-moderator:latest',
];

test('passthrough: list shows the remote models', async () => {
  const { models } = await ollama().list();
  assert.deepEqual(models.map((m) => m.name).sort(), FAKE_MODELS);
  const qwen = models.find((m) => m.name === 'qwen3:8b');
  assert.equal(qwen.details.family, 'qwen3');
});

test('passthrough: chat without streaming', async () => {
  const response = await ollama().chat({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'hello there' }],
  });
  assert.equal(response.message.role, 'assistant');
  assert.equal(response.message.content, 'You said: hello there');
  assert.equal(response.done, true);
  assert.equal(response.done_reason, 'stop');
});

test('passthrough: chat streaming parts join to the answer', async () => {
  const stream = await ollama().chat({
    model: 'qwen3:8b',
    messages: [{ role: 'user', content: 'stream it' }],
    stream: true,
  });
  const parts = [];
  for await (const part of stream) parts.push(part);
  assert.ok(parts.length > 2, `got ${parts.length} parts`);
  assert.equal(parts.map((p) => p.message.content).join(''), 'You said: stream it');
  assert.equal(parts.map((p) => p.message.thinking ?? '').join(''), 'Thinking about: stream it');
  assert.equal(parts.at(-1).done, true);
  assert.equal(parts.filter((p) => p.done).length, 1);
});

test('passthrough: generate streaming', async () => {
  const stream = await ollama().generate({ model: 'llama3.2', prompt: 'go on', stream: true });
  let text = '';
  let last;
  for await (const part of stream) {
    text += part.response;
    last = part;
  }
  assert.equal(text, 'You said: go on');
  assert.deepEqual(last.context, [1, 2, 3]);
});

test('passthrough: embed', async () => {
  const response = await ollama().embed({ model: 'nomic-embed-text', input: ['a', 'b'] });
  assert.equal(response.embeddings.length, 2);
  for (const vector of response.embeddings) {
    assert.equal(vector.length, 768);
    const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
  }
});

test('passthrough: show', async () => {
  const response = await ollama().show({ model: 'qwen3:8b' });
  assert.equal(response.details.family, 'qwen3');
  assert.ok(response.capabilities.includes('thinking'), JSON.stringify(response.capabilities));
});

test('passthrough: an unknown model throws with the native message and status', async () => {
  let error;
  try {
    await ollama().chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] });
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'the call failed');
  assert.equal(error.name, 'ResponseError');
  assert.equal(error.status_code, 404);
  assert.equal(error.error, "model 'no-such-model' not found");
  // The proxy still serves the next call.
  const { models } = await ollama().list();
  assert.equal(models.length, FAKE_MODELS.length);
});

test('passthrough: responses are byte for byte the remote ones', async () => {
  for (const [method, path, body] of [
    ['GET', '/api/tags'],
    ['GET', '/api/version'],
    ['POST', '/api/show', '{"model":"llama3.2"}'],
    ['POST', '/api/chat', '{"model":"llama3.2","messages":[{"role":"user","content":"same"}]}'],
    ['POST', '/api/chat', '{"model":"nope","messages":[]}'],
  ]) {
    const init = { method, headers: { 'content-type': 'application/json' }, body };
    const direct = await fetch(`${env.fake.url}${path}`, init);
    const proxied = await fetch(`${env.proxy.url}${path}`, init);
    assert.equal(proxied.status, direct.status, `${method} ${path}`);
    assert.equal(proxied.headers.get('content-type'), direct.headers.get('content-type'));
    assert.equal(await proxied.text(), await direct.text(), `${method} ${path}`);
  }
});

test('passthrough: the request body reaches the remote unchanged', async () => {
  // Odd spacing, key order and an unknown field: nothing may be rewritten.
  const body = '{ "stream":false,\n  "messages":[{"content":"keep me","role":"user"}], "model":"llama3.2", "x-extra":1 }';
  const response = await fetch(`${env.proxy.url}/api/chat`, { method: 'POST', body });
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  const [recorded] = await env.fake.requestsTo('/api/chat');
  assert.equal(recorded.body, body);
});
