// The proxy's API keys through the official clients: the OpenAI SDK authenticates with its
// `apiKey` (sent as a Bearer token), a wrong key is an AuthenticationError, and the Ollama client
// gets in with the key in its headers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { Ollama } from 'ollama';

import { startFake, startProxy, stopAll } from './support/harness.mjs';

const KEY = 'sk-e2e-proxy-key';
const env = {};

before(async () => {
  env.fake = await startFake();
  env.proxy = await startProxy({
    config: {
      remote: { host: '127.0.0.1', port: env.fake.port },
      auth: { enabled: true, tokens: [{ key: KEY, name: 'e2e' }] },
    },
  });
});

after(stopAll);

function client(apiKey) {
  return new OpenAI({ baseURL: `http://127.0.0.1:${env.proxy.port}/v1`, apiKey, maxRetries: 0 });
}

test('auth: the OpenAI SDK gets in with its apiKey', async () => {
  const reply = await client(KEY).chat.completions.create({
    model: 'llama3.2:latest',
    messages: [{ role: 'user', content: 'key' }],
  });
  assert.equal(reply.choices[0].message.content, 'You said: key');
  const models = await client(KEY).models.list();
  assert.ok(models.data.length > 0);
});

test('auth: a wrong apiKey is an AuthenticationError with code invalid_api_key', async () => {
  await assert.rejects(
    client('sk-wrong').chat.completions.create({
      model: 'llama3.2:latest',
      messages: [{ role: 'user', content: 'key' }],
    }),
    (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      assert.ok(!error.message.includes('sk-wrong'), 'the key is not echoed');
      return true;
    },
  );
});

test('auth: the Ollama client gets in with the key in its headers, and not without', async () => {
  const host = `http://127.0.0.1:${env.proxy.port}`;
  const keyed = new Ollama({ host, headers: { 'x-api-key': KEY } });
  const list = await keyed.list();
  assert.ok(list.models.length > 0);
  await assert.rejects(new Ollama({ host }).list(), (error) => {
    assert.equal(error.status_code, 401);
    return true;
  });
});
