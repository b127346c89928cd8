import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server (`apt-get install redis-server`); `GRAFT_REDIS_SERVER` overrides it. */
export const redisServerPath = process.env.GRAFT_REDIS_SERVER ?? 'redis-server';

/** Whether `redis-server` runs on this machine. */
function hasRedisServer(): boolean {
  return spawnSync(redisServerPath, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether the queue suites run: when redis-server is installed, or when `GRAFT_REQUIRE_REDIS=1`
 * (set by `.ci/run`, which installs it from `.ci/apt-packages.txt`) — then a missing server fails
 * the suite instead of skipping it.
 */
export const redisTestsEnabled = hasRedisServer() || process.env.GRAFT_REQUIRE_REDIS === '1';

if (!redisTestsEnabled) {
  console.warn(
    'Skipping the queue tests: no redis-server (apt-get install redis-server; CI sets GRAFT_REQUIRE_REDIS=1 and installs it).',
  );
}

/** A redis-server this test started. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then waits for it to exit) and deletes its folder. */
  stop(): Promise<void>;
  /** Stops the server at once, as a crash would (for outage tests). */
  process: ChildProcess;
}

/** A TCP port nobody listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throw-away redis-server on a free port (no persistence, its own folder), resolving
 * once it accepts connections. Fails clearly when redis-server is missing.
 */
export async function startRedisServer(
  options: {
    /** The port (a restart on the port of a server that stopped). Default: a free one. */
    port?: number;
  } = {},
): Promise<TestRedisServer> {
  if (!hasRedisServer()) {
    throw new Error(
      `${redisServerPath} not found: the queue tests need Debian's redis-server (apt-get install redis-server; CI installs it from .ci/apt-packages.txt).`,
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'graft-redis-'));
  const port = options.port ?? (await freePort());
  const child = spawn(
    redisServerPath,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (text: string) => {
      log += text;
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.stderr?.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${log}`)),
    );
    child.on('error', reject);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
