import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetNotFoundError } from '@graft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectWeightsFile } from './inspect-weights-file.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const teachableMachineDir = join(mirrorDir, 'teachable-machine', stem);
const h5Path = join(mirrorDir, 'keras', `${stem}.h5`);
const safetensorsPath = join(sharedDir, 'fixtures', 'resnet', 'resnet18.safetensors');

describe('inspectWeightsFile', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'graft-inspect-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('detects each format from the bytes, and a folder means its model.json', async () => {
    expect(await inspectWeightsFile({ path: teachableMachineDir })).toEqual({
      path: join(teachableMachineDir, 'model.json'),
      format: 'tfjs-layers',
    });
    expect(await inspectWeightsFile({ path: h5Path })).toMatchObject({ format: 'keras-h5' });
    expect(await inspectWeightsFile({ path: safetensorsPath })).toMatchObject({
      format: 'safetensors',
    });
  });

  it('ignores a misleading extension', async () => {
    const misnamed = join(scratch, 'weights.safetensors');
    await writeFile(misnamed, await readFile(h5Path));
    expect(await inspectWeightsFile({ path: misnamed })).toMatchObject({ format: 'keras-h5' });
  });

  it('names the file, what it holds and the formats accepted', async () => {
    const zip = join(scratch, 'model.pth');
    await writeFile(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    await expect(inspectWeightsFile({ path: zip })).rejects.toThrow(
      new RegExp(
        `${zip}: is a ZIP archive without a PyTorch checkpoint inside .*Graft accepts Keras HDF5 weights \\(\\.h5\\), PyTorch .*, safetensors`,
      ),
    );
    const random = join(scratch, 'random.bin');
    await writeFile(random, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expect(inspectWeightsFile({ path: random })).rejects.toThrow(
      /random\.bin: is unrecognised content starting with bytes 01 02 03 04 05 06 07 08/,
    );
    const labels = join(scratch, 'labels.txt');
    await writeFile(labels, 'ants\nbees\n');
    await expect(inspectWeightsFile({ path: labels })).rejects.toThrow(
      /labels\.txt: is text starting with "ants\\nbees\\n", not a weights file/,
    );
    const metadata = join(scratch, 'metadata.json');
    await writeFile(metadata, JSON.stringify({ tfjsVersion: '1.7.4', labels: ['a'] }));
    await expect(inspectWeightsFile({ path: metadata })).rejects.toThrow(
      /metadata\.json: is JSON but not a TF\.js LayersModel.*its keys: tfjsVersion, labels/,
    );
    const graph = join(scratch, 'graph.json');
    await writeFile(graph, JSON.stringify({ format: 'graph-model', modelTopology: {} }));
    await expect(inspectWeightsFile({ path: graph })).rejects.toThrow(/is a TF\.js graph model/);
    const folder = join(scratch, 'empty-folder');
    await mkdir(folder);
    await expect(inspectWeightsFile({ path: folder })).rejects.toThrow(
      /empty-folder: is a folder without a model\.json/,
    );
    await expect(inspectWeightsFile({ path: join(scratch, 'missing.h5') })).rejects.toSatisfy(
      AssetNotFoundError.isInstance,
    );
  });

  it('refuses a real weights file of a format the reader does not take, naming both', async () => {
    await expect(
      inspectWeightsFile({ path: h5Path, accepted: ['safetensors'], reader: 'backbone resnet18' }),
    ).rejects.toThrow(
      /is Keras HDF5 weights \(\.h5\), but backbone resnet18 accepts safetensors \(\.safetensors\)/,
    );
  });
});
