import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutput } from '../output.js';
import { selectBackend, setPreferredBackend } from '../pipeline/select-backend.js';
import { createTrainingBackbone } from '../pipeline/training-backbone.js';
import {
  redisTestsEnabled,
  startRedisServer,
  type TestRedisServer,
} from '../testing/redis-server.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { featureIdentityOf } from './compute-shard.js';
import { distributeFeatures } from './distribute-features.js';
import { runWorker } from './run-worker.js';

// Redis dies (SIGKILL, no persistence: every job is lost) while a run waits for its shards, and
// comes back on the same port: the run says so both times, enqueues its shards again, and a
// worker started afterwards completes it.
const project = useTinyProject({ name: 'queue-outage', images: { train: 2, val: 1 } });
const backboneSpec = { backbone: testBackboneName, weights: 'none', seed: 0 };
let redis: TestRedisServer | undefined;
let shared: string;
let messages = '';
const output = createOutput(() => ({
  stdout: () => undefined,
  stderr: (text) => {
    messages += text;
  },
}));

/** Resolves once `text` has been printed (the run's own messages pace the test, not a timer). */
async function printed(text: string): Promise<void> {
  while (!messages.includes(text)) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe.skipIf(!redisTestsEnabled)('a queued run through a Redis outage', () => {
  beforeAll(async () => {
    setPreferredBackend('cpu');
    await selectBackend();
    shared = await mkdtemp(join(tmpdir(), 'graft-queue-outage-'));
  });
  afterAll(async () => {
    await redis?.stop();
    await rm(shared, { recursive: true, force: true });
  });

  it('reports the outage, re-enqueues after it and finishes', async () => {
    redis = await startRedisServer();
    const url = new URL(redis.url);
    const backbone = await createTrainingBackbone(backboneSpec);
    const identity = await featureIdentityOf({ backbone, engine: 'tfjs', backend: 'cpu' });
    backbone.dispose();
    const folder = join(project(), 'data', 'train', 'red');
    const files = (await readdir(folder)).sort().map((name) => join(folder, name));
    const run = distributeFeatures({
      url,
      directory: shared,
      splits: [files],
      backbone: backboneSpec,
      identity,
      batchSize: 32,
      pollMs: 50,
      output,
    });
    run.catch(() => undefined);
    await printed('no worker is attached');
    const { port } = redis;
    redis.process.kill('SIGKILL');
    await redis.stop();
    redis = undefined;
    await printed(`lost the connection to redis://127.0.0.1:${port}`);
    redis = await startRedisServer({ port });
    await printed('again; continuing');
    const stop = new AbortController();
    const worker = runWorker({ url, output, stalledSeconds: 5, signal: stop.signal });
    try {
      const result = await run;
      expect(result.store.size).toBe(files.length);
    } finally {
      stop.abort();
      await worker;
    }
  });
});
