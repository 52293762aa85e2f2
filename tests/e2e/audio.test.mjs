// POST /v1/audio/transcriptions and /translations as multipart uploads through the SDK's file
// helpers. Audio files go to the fake's x/fake-audio ("Heard N bytes of audio."); a `text` field
// is a transcript, returned as it is or translated by the chat model.

import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import OpenAI, { toFile } from 'openai';

import { errorOf, useProxy } from './support/setup.mjs';

const env = useProxy({ proxyArgs: ['--audio-translation-model', 'llama3.2'] });

// A mono 16-bit 8 kHz WAV file of `seconds`, with bytes that look like multipart framing.
function wav(seconds) {
  const dataSize = Math.round(seconds * 16000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataSize, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataSize, 40);
  const samples = Buffer.alloc(dataSize);
  for (let i = 0; i < dataSize; i++) samples[i] = (i * 7) & 0xff;
  return Buffer.concat([header, samples]);
}

const dir = mkdtempSync(join(tmpdir(), 'ollama-proxy-e2e-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('audio: a file from toFile is transcribed by the audio model', async () => {
  const audio = wav(0.5);
  const response = await env.client.audio.transcriptions.create({
    file: await toFile(audio, 'speech.wav', { type: 'audio/wav' }),
    model: 'x/fake-audio',
  });
  assert.deepEqual(response, { text: `Heard ${audio.length} bytes of audio.` });
  const native = await env.fake.nativeBody('/api/chat');
  assert.equal(native.model, 'x/fake-audio');
  assert.deepEqual(native.messages[1].images, [audio.toString('base64')]);
});

test('audio: a file from fs.createReadStream, answered as srt and vtt timed by the WAV', async () => {
  const audio = wav(2.25);
  const path = join(dir, 'speech.wav');
  writeFileSync(path, audio);
  const heard = `Heard ${audio.length} bytes of audio.`;
  const srt = await env.client.audio.transcriptions.create({
    file: createReadStream(path),
    model: 'x/fake-audio',
    response_format: 'srt',
  });
  assert.equal(srt, `1\n00:00:00,000 --> 00:00:02,250\n${heard}\n\n`);
  const vtt = await env.client.audio.transcriptions.create({
    file: createReadStream(path),
    model: 'x/fake-audio',
    response_format: 'vtt',
  });
  assert.equal(vtt, `WEBVTT\n\n00:00:00.000 --> 00:00:02.250\n${heard}\n\n`);
});

test('audio: text and verbose_json formats', async () => {
  const file = await toFile(wav(1), 'speech.wav');
  const text = await env.client.audio.transcriptions.create({
    file,
    model: 'x/fake-audio',
    response_format: 'text',
  });
  assert.equal(text, `Heard ${wav(1).length} bytes of audio.\n`);
  const verbose = await env.client.audio.transcriptions.create({
    file: await toFile(wav(1), 'speech.wav'),
    model: 'x/fake-audio',
    response_format: 'verbose_json',
    language: 'de',
    timestamp_granularities: ['segment'],
  });
  assert.equal(verbose.task, 'transcribe');
  assert.equal(verbose.language, 'german');
  assert.equal(verbose.duration, 1);
  assert.equal(verbose.segments.length, 1);
  assert.equal(verbose.segments[0].end, 1);
  assert.equal(verbose.segments[0].text, verbose.text);
});

test('audio: a transcript in `text` is returned without asking any model', async () => {
  const response = await env.client.audio.transcriptions.create({
    file: await toFile(Buffer.from('unused'), 'speech.wav'),
    model: 'whisper-1',
    text: 'Hello there.',
  });
  assert.deepEqual(response, { text: 'Hello there.' });
  assert.equal((await env.fake.requests()).length, 0);
});

test('audio: translation of a transcript goes through the chat model', async () => {
  const response = await env.client.audio.translations.create({
    file: await toFile(Buffer.from('unused'), 'speech.wav'),
    model: 'llama3.2',
    text: 'Guten Morgen.',
  });
  assert.deepEqual(response, { text: 'You said: Guten Morgen.' });
  const native = await env.fake.nativeBody('/api/chat');
  assert.equal(native.model, 'llama3.2');
  assert.match(native.messages[0].content, /into English/);
  assert.deepEqual(native.messages[1], { role: 'user', content: 'Guten Morgen.' });
});

test('audio: translation of a file asks the audio model for English', async () => {
  const audio = wav(0.25);
  const response = await env.client.audio.translations.create({
    file: await toFile(audio, 'speech.wav'),
    model: 'x/fake-audio',
    response_format: 'text',
  });
  assert.equal(response, `Heard ${audio.length} bytes of audio.\n`);
  const native = await env.fake.nativeBody('/api/chat');
  assert.match(native.messages[0].content, /into English/);
  assert.deepEqual(native.messages[1].images, [audio.toString('base64')]);
});

test('audio: an empty file is a 400', async () => {
  const error = await errorOf(async () =>
    env.client.audio.transcriptions.create({
      file: await toFile(Buffer.alloc(0), 'empty.wav'),
      model: 'x/fake-audio',
    }),
  );
  assert.ok(error instanceof OpenAI.BadRequestError, `${error?.stack ?? error}`);
  assert.equal(error.param, 'file');
});
