import '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backboneFromModelFile } from './backbone-from-model-file.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const teachableMachineDir = join(mirrorDir, 'teachable-machine', stem);

describe('backboneFromModelFile', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('loads a TF.js LayersModel folder as a backbone cut at a chosen layer, with provenance', async () => {
    const before = tf.memory().numTensors;
    const backbone = await backboneFromModelFile({
      path: teachableMachineDir,
      featureLayer: 'block_16_project_BN',
    });
    expect(backbone.featureDim).toBe(112);
    expect(backbone.name).toBe(stem);
    expect(backbone.preprocessing).toMatchObject({ inputSize: [224, 224], inputRange: [-1, 1] });
    expect(backbone.getConfig()).toMatchObject({
      family: 'model-file',
      modelFile: join(teachableMachineDir, 'model.json'),
      featureLayer: 'block_16_project_BN',
      weights: {
        format: 'tfjs-layers',
        sha256: 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a',
        source: 'teachable-machine',
      },
    });
    const features = tf.tidy(() => backbone.model.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor);
    expect(features.shape).toEqual([1, 112]);
    features.dispose();
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('defaults to the model output, and an unknown layer lists the nearest names', async () => {
    const backbone = await backboneFromModelFile({ path: join(teachableMachineDir, 'model.json') });
    expect(backbone.featureDim).toBe(1280);
    backbone.dispose();
    await expect(
      backboneFromModelFile({ path: teachableMachineDir, featureLayer: 'block_16_projct' }),
    ).rejects.toThrow(/featureLayer.*nearest of its 155 layer names: block_16_project,/);
  });
});
