// Runs the e2e suite: every *.test.mjs file next to this script, one file at a time, with Node's
// built-in test runner. Fails at once (never passes silently) when the npm packages or the
// binaries are missing.
//
//   node run.mjs                      all files
//   node run.mjs chat streams         only chat.test.mjs and streams.test.mjs

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

for (const pkg of ['openai', 'ollama', 'playwright-core']) {
  if (!existsSync(join(here, 'node_modules', pkg, 'package.json'))) {
    fail(
      `the npm package "${pkg}" is not installed in tests/e2e/node_modules; ` +
        'run `npm ci --prefix tests/e2e` from the repository root (scripts/test.sh does it)',
    );
  }
}
for (const name of ['OLLAMA_PROXY_BIN', 'FAKE_OLLAMA_BIN']) {
  const path = process.env[name];
  if (!path) fail(`${name} is not set; it must name the built binary (ctest sets it)`);
  if (!existsSync(path)) fail(`${name}=${path} does not exist; build it first`);
}

const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.test\.mjs$/, '')))
  .sort();
if (files.length === 0) fail(`no test files match ${wanted.join(' ') || '*.test.mjs'}`);

const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=20000', ...files],
  { cwd: here, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal) fail(`the test runner was killed by ${signal}`);
  process.exit(code ?? 1);
});
