// Starts fake_ollama and ollama-proxy as child processes for the e2e tests, and talks to the
// fake's control endpoints (/_fake/requests, /_fake/fault).
//
// Binaries come from OLLAMA_PROXY_BIN and FAKE_OLLAMA_BIN. Every process started here is
// stopped by stopAll() (SIGTERM, then SIGKILL after a grace period, always waiting for the
// exit), and killed on process exit as a last resort, so no test run leaves processes behind.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_BYTES = 8_000;

const children = new Set();
const tempDirs = new Set();
// Processes that died on their own after start-up, or did not stop cleanly: reported by stopAll.
const problems = [];

function killAll() {
  for (const child of children) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

// Last resort when a test file ends without stopAll(), or the runner is interrupted.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(1);
  });
}

function binary(name) {
  const path = process.env[name];
  if (!path) {
    throw new Error(
      `${name} is not set: point it at the built binary ` +
        '(ctest sets it; see tests/e2e/README.md to run the suite by hand)',
    );
  }
  return path;
}

function makeTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'ollama-proxy-e2e-'));
  tempDirs.add(dir);
  return dir;
}

// A child process whose stdout and stderr are kept (tail only) for diagnostics.
class Child {
  constructor(name, file, args) {
    this.name = name;
    this.args = args;
    this.out = '';
    this.err = '';
    this.started = false;
    this.stopping = false;
    this.proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // 'close' rather than 'exit': the output is complete then (a sanitizer report, say).
    this.exited = new Promise((resolve) => {
      this.proc.once('close', (code, signal) => {
        children.delete(this);
        if (this.started && !this.stopping) {
          problems.push(`${this.name} died during the tests (code ${code}, signal ${signal})\n${this.log()}`);
        }
        resolve({ code, signal });
      });
    });
    this.spawnError = new Promise((resolve) => this.proc.once('error', resolve));
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stdout.on('data', (text) => {
      this.out = (this.out + text).slice(-LOG_TAIL_BYTES);
    });
    this.proc.stderr.on('data', (text) => {
      this.err = (this.err + text).slice(-LOG_TAIL_BYTES);
    });
    children.add(this);
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  log() {
    return `--- ${this.name} ${this.args.join(' ')}\n--- stdout:\n${this.out}\n--- stderr:\n${this.err}`;
  }

  // Resolves with the first match of `pattern` in the chosen stream, or rejects when the process
  // exits or the time runs out.
  waitFor(stream, pattern) {
    return new Promise((resolve, reject) => {
      let timer;
      const source = stream === 'stdout' ? this.proc.stdout : this.proc.stderr;
      let seen = '';
      const finish = (fn, value) => {
        clearTimeout(timer);
        source.off('data', onData);
        fn(value);
      };
      const onData = (text) => {
        seen += text;
        const match = pattern.exec(seen);
        if (match) {
          this.started = true;
          finish(resolve, match);
        }
      };
      source.on('data', onData);
      timer = setTimeout(
        () => finish(reject, new Error(`${this.name} did not start in time\n${this.log()}`)),
        START_TIMEOUT_MS,
      );
      this.exited.then(({ code, signal }) =>
        finish(
          reject,
          new Error(`${this.name} exited (code ${code}, signal ${signal}) before listening\n${this.log()}`),
        ),
      );
      this.spawnError.then((error) =>
        finish(reject, new Error(`cannot start ${this.name}: ${error.message}`)),
      );
    });
  }

  // SIGTERM, then SIGKILL after a grace period; waits for the exit. A started process that
  // does not exit with status 0 (a crash, a sanitizer report, a hang) is recorded as a problem.
  async stop() {
    if (!this.running) return this.exited;
    this.stopping = true;
    this.proc.kill('SIGTERM');
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
    });
    let outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.proc.kill('SIGKILL');
      outcome = await this.exited;
      if (this.started) problems.push(`${this.name} did not exit within ${STOP_GRACE_MS} ms of SIGTERM\n${this.log()}`);
    } else if (this.started && outcome.code !== 0) {
      problems.push(`${this.name} exited with code ${outcome.code}, signal ${outcome.signal} on SIGTERM\n${this.log()}`);
    }
    return outcome;
  }
}

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${text}`);
  return JSON.parse(text);
}

export class FakeOllama {
  constructor(child, port) {
    this.child = child;
    this.port = port;
    this.address = `127.0.0.1:${port}`;
    this.url = `http://127.0.0.1:${port}`;
  }

  // Every request the fake recorded, in arrival order (control requests excluded).
  async requests() {
    return json(await fetch(`${this.url}/_fake/requests`), 'GET /_fake/requests');
  }

  async clearRequests() {
    await json(await fetch(`${this.url}/_fake/requests`, { method: 'DELETE' }), 'DELETE /_fake/requests');
  }

  // The recorded requests to `path` (the target without its query), in arrival order.
  async requestsTo(path) {
    return (await this.requests()).filter((r) => r.target.split('?')[0] === path);
  }

  // The parsed JSON body of the only request recorded for `path`; fails when there is not
  // exactly one, so a test sees what the proxy really sent.
  async nativeBody(path) {
    const matching = await this.requestsTo(path);
    if (matching.length !== 1) {
      throw new Error(
        `expected exactly one native request to ${path}, got ${matching.length}: ` +
          JSON.stringify((await this.requests()).map((r) => `${r.method} ${r.target}`)),
      );
    }
    return JSON.parse(matching[0].body);
  }

  // Arms a fault (e.g. "die-after=2") for the next `count` non-control requests.
  async arm(fault, count = 1) {
    await json(
      await fetch(`${this.url}/_fake/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault, count }),
      }),
      'POST /_fake/fault',
    );
  }

  async disarm() {
    await json(await fetch(`${this.url}/_fake/fault`, { method: 'DELETE' }), 'DELETE /_fake/fault');
  }

  async stats() {
    return json(await fetch(`${this.url}/_fake/stats`), 'GET /_fake/stats');
  }

  stop() {
    return this.child.stop();
  }
}

export class Proxy {
  constructor(child, port, configFile) {
    this.child = child;
    this.port = port;
    // The file passed with --config, when the proxy was started with one.
    this.configFile = configFile;
    this.url = `http://127.0.0.1:${port}`;
    this.openaiURL = `${this.url}/v1`;
  }

  log() {
    return this.child.log();
  }

  stop() {
    return this.child.stop();
  }
}

// Starts fake_ollama on a free port. Streams pause `intervalMs` between lines.
export async function startFake({ intervalMs = 2, args = [] } = {}) {
  const argv = ['--host', '127.0.0.1', '--port', '0', '--interval-ms', String(intervalMs), ...args];
  const child = new Child('fake_ollama', binary('FAKE_OLLAMA_BIN'), argv);
  try {
    const match = await child.waitFor('stdout', /listening on [^\s:]+:(\d+)/);
    return new FakeOllama(child, Number(match[1]));
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// Starts ollama-proxy on a free port.
//   remote: a FakeOllama, or "host:port" (omit when `config` names the remote)
//   args:   extra command-line flags
//   config: an object written as JSON to a temp file and passed with --config
//   port:   the port to listen on (default 0: one the OS picks)
//   logLevel: the start-up line ("listening on http://...") is logged at info, so the level
//             must be info or lower for the port to be found.
export async function startProxy({ remote, args = [], config, port = 0, logLevel = 'info' } = {}) {
  const argv = [];
  let configFile;
  if (remote !== undefined) {
    argv.push('--remote-host', typeof remote === 'string' ? remote : remote.address);
  }
  if (config !== undefined) {
    configFile = join(makeTempDir(), 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    argv.push('--config', configFile);
  }
  // A short drain keeps shutdown quick should a test leave a request in flight.
  argv.push('--port', String(port), '--log-level', logLevel, '--drain-timeout', '2', ...args);
  const child = new Child('ollama-proxy', binary('OLLAMA_PROXY_BIN'), argv);
  try {
    const match = await child.waitFor('stderr', /listening on http:\/\/127\.0\.0\.1:(\d+)/);
    return new Proxy(child, Number(match[1]), configFile);
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// A loopback port nothing listens on (bound, read, closed).
export function closedPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Stops every process this module started and waits for each to exit. Throws when one of them
// died during the tests or did not stop cleanly, so crashes and sanitizer reports fail the file.
export async function stopAll() {
  await Promise.all([...children].map((child) => child.stop()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  if (problems.length > 0) {
    const report = problems.splice(0).join('\n\n');
    throw new Error(`process problems:\n${report}`);
  }
}

// The usual pair for a test file: one fake and one proxy in front of it.
export async function startPair({ proxyArgs = [], fakeOptions = {} } = {}) {
  const fake = await startFake(fakeOptions);
  const proxy = await startProxy({ remote: fake, args: proxyArgs });
  return { fake, proxy };
}
