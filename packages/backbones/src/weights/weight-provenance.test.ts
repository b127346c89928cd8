import '@tensorflow/tfjs-backend-wasm';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMobileNetV2 } from '../mobilenet-v2/create-mobilenet-v2.js';
import { createResNet } from '../resnet/create-resnet.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const teachableMachineDir = join(mirrorDir, 'teachable-machine', stem);
const h5Path = join(mirrorDir, 'keras', `${stem}.h5`);
const resnet18Path = join(sharedDir, 'fixtures', 'resnet', 'resnet18.safetensors');

describe('provenance of explicitly chosen weights files', () => {
  let cacheDir: string;
  let scratch: string;
  const resolution = () => ({ cacheDir, mirrorDirs: [mirrorDir], offline: true });

  beforeAll(async () => {
    await tf.setBackend('wasm');
    cacheDir = await mkdtemp(join(tmpdir(), 'graft-provenance-cache-'));
    scratch = await mkdtemp(join(tmpdir(), 'graft-provenance-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('a Teachable Machine folder records tfjs-layers, its path and hash, known by hash', async () => {
    const backbone = await createMobileNetV2({
      alpha: 0.35,
      ...resolution(),
      weightsPath: teachableMachineDir,
    });
    expect(backbone.getConfig().weights).toEqual({
      location: join(teachableMachineDir, 'model.json'),
      origin: 'explicit',
      format: 'tfjs-layers',
      sha256: 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a',
      source: 'teachable-machine',
      url: `https://storage.googleapis.com/teachable-machine-models/${stem}/model.json`,
      license: expect.stringContaining('Teachable Machine'),
      description: expect.stringContaining('Teachable Machine'),
    });
    expect(backbone.weightsId).toMatch(/^mobilenet_v2_0\.35_224:teachable-machine:sha256-e159/);
    backbone.dispose();
  });

  it('an .h5 file whose content is unknown gets no source or licence, whatever the backbone', async () => {
    // Same shapes, one value changed: loads, but is not a file Graft knows.
    const folder = join(scratch, 'changed');
    await mkdir(folder);
    await copyFile(join(teachableMachineDir, 'model.json'), join(folder, 'model.json'));
    const shard = await readFile(join(teachableMachineDir, 'group1-shard1of1.bin'));
    shard.writeFloatLE(1, shard.byteLength - 4);
    await writeFile(join(folder, 'group1-shard1of1.bin'), shard);
    const backbone = await createMobileNetV2({ alpha: 0.35, ...resolution(), weightsPath: folder });
    const weights = backbone.getConfig().weights as Record<string, unknown>;
    expect(weights).toMatchObject({
      location: join(folder, 'model.json'),
      format: 'tfjs-layers',
      source: null,
      url: null,
      license: null,
    });
    expect(weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(weights)).not.toMatch(/imagenet|keras-applications/i);
    expect(backbone.weightsId).toMatch(/^mobilenet_v2_0\.35_224:file:sha256-/);
    backbone.dispose();
  });

  it('a known .h5 records keras-h5 and its hash', async () => {
    const backbone = await createMobileNetV2({ alpha: 0.35, ...resolution(), weightsPath: h5Path });
    expect(backbone.getConfig().weights).toMatchObject({
      location: h5Path,
      format: 'keras-h5',
      sha256: '27208485b20dc5323acde9998159a25abfe52f06a5da10128b2cbd2c063b1236',
    });
    backbone.dispose();
  });

  it('a weights file for another width fails naming the file and the backbone', async () => {
    await expect(
      createMobileNetV2({ alpha: 1.0, ...resolution(), weightsPath: teachableMachineDir }),
    ).rejects.toThrow(/model\.json: does not fit backbone mobilenet_v2_1\.0_224: shape mismatch/);
  });

  it('ResNet: a torchvision safetensors file records safetensors and no source; an .h5 is refused', async () => {
    const backbone = await createResNet({ depth: 18, ...resolution(), weightsPath: resnet18Path });
    expect(backbone.getConfig().weights).toMatchObject({
      location: resnet18Path,
      origin: 'explicit',
      format: 'safetensors',
      source: null,
      license: null,
    });
    expect(backbone.weightsId).toMatch(/^resnet18:file:sha256-/);
    backbone.dispose();
    await expect(createResNet({ depth: 18, ...resolution(), weightsPath: h5Path })).rejects.toThrow(
      /\.h5: is Keras HDF5 weights \(\.h5\), but backbone resnet18 accepts safetensors/,
    );
  });
});
