// Per-file fixture: one fake_ollama and one ollama-proxy for all tests of a file, a clean fake
// (no recorded requests, no armed fault) before every test, and everything stopped afterwards.

import { after, before, beforeEach } from 'node:test';
import OpenAI from 'openai';

import { startPair, stopAll } from './harness.mjs';

export function openaiClient(proxy, options = {}) {
  return new OpenAI({ baseURL: proxy.openaiURL, apiKey: 'unused', maxRetries: 0, ...options });
}

// Returns an object filled in by the `before` hook: { fake, proxy, client }.
export function useProxy({ proxyArgs = [], fakeOptions = {} } = {}) {
  const env = {};
  before(async () => {
    const { fake, proxy } = await startPair({ proxyArgs, fakeOptions });
    env.fake = fake;
    env.proxy = proxy;
    env.client = openaiClient(proxy);
  });
  beforeEach(async () => {
    if (!env.fake) return;
    await env.fake.disarm();
    await env.fake.clearRequests();
  });
  after(stopAll);
  return env;
}

// Iterates an SDK stream to the end and returns every chunk.
export async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

// Iterates an SDK stream that must fail: returns { chunks, error } with the chunks received
// before the failure. A stream that ends without throwing fails the calling test.
export async function collectUntilError(stream) {
  const chunks = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error(
    `the stream ended cleanly but should have failed; chunks: ${JSON.stringify(chunks)}`,
  );
}

// Runs `fn`, which must throw; returns the error.
export async function errorOf(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call succeeded');
}

export function header(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  return headers[name.toLowerCase()];
}

// Errors a retry cannot fix (400, 404, 413) tell the SDK not to retry.
export function assertNoRetry(error) {
  const value = header(error.headers, 'x-should-retry');
  if (value !== 'false') {
    throw new Error(`expected x-should-retry: false on the ${error.status} error, got ${value}`);
  }
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' } },
      required: ['city'],
    },
  },
};

export const TIME_TOOL = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'Current time in a time zone',
    parameters: {
      type: 'object',
      properties: { zone: { type: 'string' }, hours24: { type: 'boolean' } },
      required: ['zone'],
    },
  },
};

// The fake splits answers into word tokens that keep their leading space.
export function fakeTokens(text) {
  return text.match(/\s*\S+/g) ?? [];
}

// Prompt tokens as the fake counts them: whitespace-separated words of all message contents.
export function wordCount(...texts) {
  return texts.reduce((sum, t) => sum + (t.match(/\S+/g) ?? []).length, 0);
}
