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
import type { FeatureIdentity } from './shard-job.js';

// One in-process worker and coordinator against a redis-server of this test's own: the failures
// BullMQ hands back must reach the run with what went wrong, and nothing must be written.
const project = useTinyProject({ name: 'queue-reliability', images: { train: 2, val: 1 } });
const backboneSpec = { backbone: testBackboneName, weights: 'none', seed: 0 };
let redis: TestRedisServer;
let identity: FeatureIdentity;
let stopWorker: AbortController;
let worker: Promise<void>;
// The failures are asserted on the errors the run throws; printed lines are not needed.
const output = createOutput(() => ({ stdout: () => undefined, stderr: () => undefined }));

describe.skipIf(!redisTestsEnabled)('a queued run fails clearly', () => {
  beforeAll(async () => {
    setPreferredBackend('cpu');
    redis = await startRedisServer();
    const backend = await selectBackend();
    const backbone = await createTrainingBackbone(backboneSpec);
    identity = await featureIdentityOf({ backbone, engine: 'tfjs', backend: backend.chosen });
    backbone.dispose();
    stopWorker = new AbortController();
    worker = runWorker({
      url: new URL(redis.url),
      output,
      stalledSeconds: 5,
      signal: stopWorker.signal,
    });
  });
  afterAll(async () => {
    stopWorker?.abort();
    await worker;
    await redis?.stop();
  });

  const distribute = async (options: { files: string[]; identity: FeatureIdentity }) => {
    const shared = await mkdtemp(join(tmpdir(), 'graft-queue-shared-'));
    try {
      await distributeFeatures({
        url: new URL(redis.url),
        directory: shared,
        splits: [options.files],
        backbone: backboneSpec,
        identity: options.identity,
        batchSize: 32,
        attempts: 2,
        backoffMs: 50,
        pollMs: 50,
        output,
      });
    } finally {
      // A failed shard never leaves a file that a later run would count.
      expect(await readdir(shared)).toEqual([]);
      await rm(shared, { recursive: true, force: true });
    }
  };

  it('a worker with other weights refuses the shard, naming the difference', async () => {
    const file = join(project(), 'data', 'train', 'red', '0.bmp');
    await expect(
      distribute({ files: [file], identity: { ...identity, backbone: 'other-weights' } }),
    ).rejects.toThrow(
      // Refused at once (unrecoverable: another attempt would compute the same wrong features).
      new RegExp(
        `failed after 1 of 2 attempts: worker .* refuses shard .*backbone: this worker has ${identity.backbone}, the run needs other-weights`,
      ),
    );
  });

  it('a file no worker can read fails after its retries, naming the file', async () => {
    const missing = join(project(), 'data', 'train', 'red', 'missing.bmp');
    await expect(distribute({ files: [missing], identity })).rejects.toThrow(
      new RegExp(`failed after 2 of 2 attempts: .*${missing}.*cannot be read by worker`),
    );
  });
});
