import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResNet } from './create-resnet.js';

const directory = join(process.env.GRAFT_SHARED_DIR ?? '', 'fixtures', 'resnet');

async function readFloat32(file: string): Promise<Float32Array> {
  const bytes = await readFile(join(directory, file));
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

describe('createResNet', () => {
  let emptyCache: string;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    emptyCache = await mkdtemp(join(tmpdir(), 'graft-resnet-'));
  });

  afterAll(async () => {
    await rm(emptyCache, { recursive: true, force: true });
  });

  it('gives the torchvision pooled features through the Backbone API, without leaks', async () => {
    const backbone = await createResNet({
      depth: 18,
      weightsPath: join(directory, 'resnet18.safetensors'),
    });
    expect(backbone.name).toBe('resnet18');
    expect(backbone.featureDim).toBe(512);
    expect(backbone.stages).toEqual(['layer1', 'layer2', 'layer3', 'layer4']);
    // The fixture holds seeded random weights: an explicit file is named by content, not `tv_in1k`.
    expect(backbone.weightsId).toMatch(/^resnet18:file:sha256-[0-9a-f]{16}:224x224:avg$/);
    expect(backbone.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    expect(backbone.model.outputs[0]?.shape).toEqual([null, 512]);

    const nchw = await readFloat32('input.bin');
    const input = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [2, 3, 224, 224]), [0, 2, 3, 1]));
    const features = await expectNoTensorLeaks(async () => {
      const output = backbone.model.predict(input) as tf.Tensor;
      const values = await output.data();
      output.dispose();
      return values;
    });
    input.dispose();
    const expected = await readFloat32('resnet18.features.bin');
    let maxAbs = 0;
    for (let index = 0; index < expected.length; index++) {
      maxAbs = Math.max(
        maxAbs,
        Math.abs((features[index] as number) - (expected[index] as number)),
      );
    }
    expect(maxAbs).toBeLessThanOrEqual(1e-4);
    backbone.dispose();
  });

  it('freezes everything by default and unfreezes from a stage', async () => {
    const backbone = await createResNet({
      depth: 34,
      pretrained: false,
      inputSize: [64, 64],
      seed: 1,
    });
    const trainable = () =>
      backbone.model.layers.filter((layer) => layer.trainable && layer.weights.length > 0);
    expect(trainable()).toEqual([]);
    backbone.unfreeze({ from: 'layer4' });
    const names = trainable().map((layer) => layer.name);
    expect(names.length).toBe(3 * 4 + 2); // three blocks of conv1/bn1/conv2/bn2 + downsample conv/bn
    expect(names.every((name) => name.startsWith('layer4.'))).toBe(true);
    backbone.freeze();
    expect(trainable()).toEqual([]);
    expect(backbone.getConfig()).toMatchObject({
      family: 'resnet',
      depth: 34,
      pretrained: false,
      inputSize: [64, 64],
    });
    expect(backbone.weightsId).toBe('resnet34:random:seed1:64x64:avg');
    backbone.dispose();
  });

  it('saves and reloads with tfjs-layers (PyTorch-style layer names are valid)', async () => {
    const backbone = await createResNet({
      depth: 18,
      pretrained: false,
      inputSize: [32, 32],
      seed: 2,
    });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await backbone.model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (artifacts === undefined) throw new Error('nothing saved');
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(reloaded.getLayer('layer3.1.bn2').getClassName()).toBe('BatchNormalization');
    const input = tf.randomUniform([1, 32, 32, 3], -2, 2, 'float32', 4);
    const [before, after] = [backbone.model, reloaded].map(
      (model) => model.predict(input) as tf.Tensor,
    );
    expect(await (after as tf.Tensor).data()).toEqual(await (before as tf.Tensor).data());
    tf.dispose([input, before as tf.Tensor, after as tf.Tensor]);
    reloaded.dispose();
    backbone.dispose();
  });

  it('names the file and where to put it when offline and not found', async () => {
    const attempt = createResNet({
      depth: 50,
      cacheDir: emptyCache,
      mirrorDirs: [],
      offline: true,
    });
    await expect(attempt).rejects.toSatisfy(AssetNotFoundError.isInstance);
    await expect(attempt).rejects.toThrow(
      `Searched: ${join(emptyCache, 'timm/resnet50.tv_in1k/model.safetensors')}`,
    );
    await expect(attempt).rejects.toThrow(
      'https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors',
    );
  });

  it('refuses a truncated or mismatching file and leaves no tensors behind', async () => {
    const bytes = await readFile(join(directory, 'resnet18.safetensors'));
    const before = tf.memory().numTensors;
    const truncated = createResNet({ depth: 18, weights: bytes.subarray(0, bytes.length - 1000) });
    await expect(truncated).rejects.toSatisfy(FileFormatError.isInstance);
    await expect(truncated).rejects.toThrow(/truncated: tensor "[^"]+" ends at data byte/);
    // A ResNet50 state dict for a ResNet18: same key names, other shapes.
    const mismatching = createResNet({
      depth: 18,
      weightsPath: join(directory, 'resnet50.safetensors'),
    });
    await expect(mismatching).rejects.toThrow(
      /resnet50\.safetensors: tensor layer1\.0\.conv1\.weight has shape \[64, 64, 1, 1\] .* expects \[3, 3, 64, 64\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
