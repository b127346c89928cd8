import '@tensorflow/tfjs-backend-wasm';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKerasH5Weights } from '../formats/keras-h5.js';
import { decodeTfjsLayersWeights } from '../formats/tfjs-layers-weights.js';
import { createMobileNetV2 } from '../mobilenet-v2/create-mobilenet-v2.js';
import { fileSystemIOHandler } from '../node/file-io-handler.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const h5Path = join(mirrorDir, 'keras', `${stem}.h5`);
const modelJsonPath = join(mirrorDir, 'teachable-machine', stem, 'model.json');

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

describe('MobileNetV2 0.35 weights: Keras HDF5 vs Teachable Machine TF.js', () => {
  let cacheDir: string;
  let scratchDir: string;
  const resolution = () => ({ cacheDir, mirrorDirs: [mirrorDir], offline: true });

  beforeAll(async () => {
    await tf.setBackend('wasm');
    cacheDir = await mkdtemp(join(tmpdir(), 'graft-backbones-cache-'));
    scratchDir = await mkdtemp(join(tmpdir(), 'graft-backbones-scratch-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(scratchDir, { recursive: true, force: true });
  });

  it('reads bit-identical tensors from both formats', async () => {
    const fromH5 = await readKerasH5Weights({ data: await readFile(h5Path), file: h5Path });
    const artifacts = await fileSystemIOHandler({ modelJsonPath }).load();
    const fromTfjs = decodeTfjsLayersWeights({ artifacts, file: modelJsonPath });
    expect(fromH5.layerNames).toHaveLength(155);
    expect(fromH5.tensors.size).toBe(260);
    expect([...fromH5.tensors.keys()].sort()).toEqual([...fromTfjs.keys()].sort());
    let values = 0;
    let differing = 0;
    for (const [name, tensor] of fromH5.tensors) {
      const other = fromTfjs.get(name) as tf.Tensor;
      expect(tensor.shape, name).toEqual(other.shape);
      const a = new Uint32Array((tensor.dataSync() as Float32Array).slice().buffer);
      const b = new Uint32Array((other.dataSync() as Float32Array).slice().buffer);
      values += a.length;
      for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) differing++;
    }
    expect(values).toBe(410_208);
    expect(differing).toBe(0);
    tf.dispose([...fromH5.tensors.values(), ...fromTfjs.values()]);
  });

  it('gives the same features from either file, equal to the Teachable Machine graph', async () => {
    const fromH5 = await createMobileNetV2({
      alpha: 0.35,
      ...resolution(),
      weightSource: 'imagenet',
    });
    const fromTfjs = await createMobileNetV2({
      alpha: 0.35,
      ...resolution(),
      weightSource: 'teachable-machine',
    });
    expect(fromH5.featureDim).toBe(1280);
    expect(fromH5.weightsId).toMatch(
      /^mobilenet_v2_0\.35_224:imagenet:sha256-27208485b20dc532:224x224:avg$/,
    );
    expect(fromTfjs.weightsId).toMatch(
      /^mobilenet_v2_0\.35_224:teachable-machine:sha256-e159deb3afa15bc6:/,
    );
    // The original Teachable Machine graph, loaded as is through our file IOHandler.
    const original = await tfl.loadLayersModel(fileSystemIOHandler({ modelJsonPath }));
    const images = tf.randomUniform([3, 224, 224, 3], -1, 1, 'float32', 11);
    const a = fromH5.model.predict(images) as tf.Tensor;
    const b = fromTfjs.model.predict(images) as tf.Tensor;
    const map = original.predict(images) as tf.Tensor;
    const reference = tf.mean(map, [1, 2]);
    expect(a.shape).toEqual([3, 1280]);
    const h5VersusTfjs = maxAbsDifference(a, b);
    const oursVersusOriginal = maxAbsDifference(a, reference);
    console.info(
      `0.35 features: max |h5 - tfjs| = ${h5VersusTfjs}, max |ours - TM graph| = ${oursVersusOriginal}`,
    );
    expect(h5VersusTfjs).toBeLessThanOrEqual(1e-5);
    expect(oursVersusOriginal).toBeLessThanOrEqual(1e-5);
    // Features are informative, not a constant.
    expect(tf.tidy(() => tf.moments(a).variance.dataSync()[0])).toBeGreaterThan(1e-4);
    tf.dispose([images, a, b, map, reference]);
    original.dispose();
    fromH5.dispose();
    fromTfjs.dispose();
  });

  it('rejects a truncated or foreign HDF5 file without leaking tensors', async () => {
    const bytes = await readFile(h5Path);
    const before = tf.memory().numTensors;
    await expect(
      readKerasH5Weights({ data: bytes.subarray(0, bytes.length >> 1), file: 'half.h5' }),
    ).rejects.toThrow(/half.h5: truncated: 1007816 of 2015632 bytes/);
    await expect(
      readKerasH5Weights({ data: new TextEncoder().encode('not hdf5 at all'), file: 'text.h5' }),
    ).rejects.toThrow(/not an HDF5 file/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a truncated shard and weights of another architecture, loading nothing', async () => {
    const folder = join(scratchDir, 'truncated');
    await mkdir(folder, { recursive: true });
    await copyFile(modelJsonPath, join(folder, 'model.json'));
    const shard = await readFile(
      join(mirrorDir, 'teachable-machine', stem, 'group1-shard1of1.bin'),
    );
    await writeFile(join(folder, 'group1-shard1of1.bin'), shard.subarray(0, shard.length - 100));
    const before = tf.memory().numTensors;
    await expect(
      createMobileNetV2({ alpha: 0.35, ...resolution(), weightsPath: join(folder, 'model.json') }),
    ).rejects.toThrow(/1640732 bytes but the manifest describes 1640832/);
    // 0.35 weights for a 1.0 model: wrong shapes and missing layers, reported before any write.
    const error = await createMobileNetV2({
      alpha: 1.0,
      ...resolution(),
      weightsPath: h5Path,
    }).catch((caught: unknown) => caught);
    expect(FileFormatError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(
      /shape mismatch: Conv1\/kernel: file \[3, 3, 3, 16\], model \[3, 3, 3, 32\]/,
    );
    // A no-top file for a with-top model: the classifier's tensors are missing.
    await expect(
      createMobileNetV2({ alpha: 0.35, ...resolution(), includeTop: true, weightsPath: h5Path }),
    ).rejects.toThrow(
      /2 weight\(s\) of backbone mobilenet_v2_0\.35_224 are missing: predictions\/kernel, predictions\/bias/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('offline without the file names it and where to put it', async () => {
    const error = await createMobileNetV2({
      alpha: 0.75,
      cacheDir,
      mirrorDirs: [],
      offline: true,
    }).catch((caught: unknown) => caught);
    expect(AssetNotFoundError.isInstance(error)).toBe(true);
    expect(String(error)).toContain(
      'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.75_224_no_top.h5',
    );
    expect(String(error)).toContain(join(cacheDir, 'keras'));
  });
});
