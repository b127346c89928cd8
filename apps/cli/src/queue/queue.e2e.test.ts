import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runBinary } from '../e2e/run-binary.js';
import { exitCodes } from '../exit-codes.js';
import {
  redisTestsEnabled,
  startRedisServer,
  type TestRedisServer,
} from '../testing/redis-server.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';

// `graft train --queue` against a redis-server of its own, with `graft worker` processes (the
// built binary) on the test-only 16×16 backbone: the first worker SIGKILLs itself in the middle
// of its first shard (GRAFT_TEST_CRASH_AT, an exact moment, not a timer), a second one picks
// the stalled shard up, and the model must be byte for byte the one a local run trains.
let directory: string;
let data: string;
let redis: TestRedisServer;
let reference: Record<string, string>;

/** The backend is global: workers and the training process must agree (their identity says so). */
const trainArguments = (out: string, extra: readonly string[] = []) => [
  '--backend',
  'cpu',
  'train',
  data,
  '--backbone',
  testBackboneName,
  '--weights',
  'none',
  '--epochs',
  '3',
  '--batch-size',
  '4',
  '--extraction-workers',
  '1',
  // ONNX Runtime would convert the graph first in every process: tfjs keeps the test short.
  '--engine',
  'tfjs',
  '--out',
  out,
  ...extra,
];

const environment = (cache: string) => ({
  [testBackboneVariable]: '1',
  GRAFT_OFFLINE: '1',
  GRAFT_CACHE_DIR: join(directory, cache),
});

/** Every model file but metadata.json (which records the save time), as base64. */
async function modelFiles(run: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(join(run, 'model'))).sort()) {
    if (name === 'metadata.json') continue;
    files[name] = (await readFile(join(run, 'model', name))).toString('base64');
  }
  return files;
}

/** Starts `graft worker` and resolves once it waits for jobs. */
function startWorker(env: Record<string, string>): {
  child: Promise<ChildProcess>;
  exited: Promise<{ code: number | null; stderr: string }>;
} {
  let resolveChild: (child: ChildProcess) => void = () => undefined;
  const child = new Promise<ChildProcess>((resolve) => {
    resolveChild = resolve;
  });
  let seen = '';
  const exited = runBinary(
    ['--backend', 'cpu', 'worker', '--queue', redis.url, '--stalled-seconds', '1'],
    {
      env,
      onStderr: (text, process) => {
        seen += text;
        if (seen.includes('waiting for jobs')) resolveChild(process);
      },
    },
  ).then((result) => {
    resolveChild(undefined as unknown as ChildProcess);
    return result;
  });
  return { child, exited };
}

describe.skipIf(!redisTestsEnabled)('graft train --queue with graft worker processes', () => {
  beforeAll(async () => {
    requireBinary();
    directory = await mkdtemp(join(tmpdir(), 'graft-queue-'));
    data = join(directory, 'data');
    await writeColourImages(data, { train: 6, val: 2 });
    redis = await startRedisServer();
    // Same folder name (`run`) in both cases: the saved model records it.
    const out = join(directory, 'local', 'run');
    const result = await runBinary(trainArguments(out), { env: environment('cache-local') });
    expect(result.code, result.stderr).toBe(exitCodes.success);
    reference = await modelFiles(out);
  });
  afterAll(async () => {
    await redis?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('says no worker is attached, survives a worker killed mid-shard, and trains the local model', async () => {
    const out = join(directory, 'queued', 'run');
    const shared = join(directory, 'shared');
    const env = environment('cache-queued');
    let firstWorker: ReturnType<typeof startWorker> | undefined;
    let secondWorker: ReturnType<typeof startWorker> | undefined;
    let killed: Promise<{ code: number | null; stderr: string }> | undefined;
    const training = runBinary(
      // --no-cache: nothing local can serve a feature; every row must come from a shard.
      trainArguments(out, [
        '--queue',
        redis.url,
        '--shared-dir',
        shared,
        '--shard-images',
        '4',
        '--no-cache',
        '--json',
      ]),
      {
        env,
        onStderr: (text) => {
          if (firstWorker === undefined && text.includes('no worker is attached')) {
            // The first worker dies in its first shard, after computing, before writing.
            firstWorker = startWorker({ ...env, GRAFT_TEST_CRASH_AT: 'queue-shard-computed' });
            killed = firstWorker.exited.then((result) => {
              secondWorker = startWorker(env);
              return result;
            });
          }
        },
      },
    );
    const result = await training;
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect(result.stderr).toMatch(/no worker is attached to redis:\/\/127\.0\.0\.1:\d+/);
    const crash = await (killed as NonNullable<typeof killed>);
    // Killed by its own SIGKILL (runBinary reports no exit code for a signal).
    expect(crash.code).toBeNull();
    expect(crash.stderr).not.toMatch(/shard .* images in/);
    const second = await (secondWorker as NonNullable<typeof secondWorker>).child;
    second.kill('SIGTERM');
    const secondResult = await (secondWorker as NonNullable<typeof secondWorker>).exited;
    // The second worker computed every shard, the killed one's included: 18 train images in 5
    // shards, 6 validation images in 2.
    expect(secondResult.stderr.match(/shard \w+: \d images in/g)).toHaveLength(7);
    const summary = JSON.parse(result.stdout) as {
      featureCache: { fromCache: number; computed: number; images: number };
    };
    expect(summary.featureCache).toMatchObject({ images: 24, fromCache: 24, computed: 0 });
    expect(await modelFiles(out)).toEqual(reference);
  });
});
