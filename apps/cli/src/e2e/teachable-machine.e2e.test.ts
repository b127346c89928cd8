import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teachableMachineBaseName, writeTeachableMachineClassifier } from '@graft/trainer/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { requireBinary, runBinary } from './run-binary.js';

// The built binary on a genuine Teachable Machine export (built from the shared TM base as
// @teachablemachine/image builds it), given as a bare classifier directory.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const baseDirectory = join(shared, 'weights', 'teachable-machine', teachableMachineBaseName);
let directory: string;
let env: Record<string, string>;

beforeAll(async () => {
  requireBinary();
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'graft-tm-e2e-'));
  env = { GRAFT_MIRROR: join(shared, 'weights'), GRAFT_SHARED_DIR: shared, GRAFT_OFFLINE: '1' };
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft (built binary) on a Teachable Machine export', () => {
  it('predicts with the bare directory, and names a missing weights.bin with exit code 3', async () => {
    const model = join(directory, 'tm-my-image-model');
    await writeTeachableMachineClassifier({
      directory: model,
      baseDirectory,
      labels: ['ants', 'bees'],
    });
    const folder = join(shared, 'data', 'hymenoptera', 'val', 'bees');
    const images = (await readdir(folder))
      .sort()
      .slice(0, 2)
      .map((name) => join(folder, name));
    const predicted = await runBinary(['--json', 'predict', model, ...images], { env });
    expect(predicted.code, predicted.stderr).toBe(exitCodes.success);
    const predictions = JSON.parse(predicted.stdout) as { top: { className: string }[] }[];
    expect(predictions.map((prediction) => prediction.top.length)).toEqual([2, 2]);

    await unlink(join(model, 'weights.bin'));
    const broken = await runBinary(['predict', model, ...images], { env });
    expect(broken.code).toBe(exitCodes.input);
    expect(broken.stderr).toContain(`${join(model, 'weights.bin')}: is missing`);
  });
});
