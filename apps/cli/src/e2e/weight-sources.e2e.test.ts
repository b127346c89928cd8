import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { requireBinary, runBinary } from './run-binary.js';

// Every weight source through the built binary (issue 17 §3), on a few ants/bees images: the
// Teachable Machine base folder and a Keras .h5 as --weights, a model.json as --backbone, and
// wrong files. What matters is what config.json and the model's metadata say was loaded.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const mirror = join(shared, 'weights');
const hymenoptera = join(shared, 'data', 'hymenoptera');
const stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';
const teachableMachineDir = join(mirror, 'teachable-machine', stem);
const h5Path = join(mirror, 'keras', `${stem}.h5`);
let directory: string;
let data: string;
let env: Record<string, string>;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-weight-sources-'));
  env = {
    GRAFT_MIRROR: mirror,
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
  data = join(directory, 'data');
  for (const [split, count] of [
    ['train', 8],
    ['val', 6],
  ] as const) {
    for (const className of ['ants', 'bees']) {
      const from = join(hymenoptera, split, className);
      const files = (await readdir(from)).filter((file) => file.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const file of files.slice(0, count)) {
        await copyFile(join(from, file), join(data, split, className, file));
      }
    }
  }
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

interface Provenance {
  location: string;
  format: string;
  sha256: string;
  source: string | null;
  url: string | null;
  license: string | null;
}

/** Trains 2 epochs; returns config.json's and metadata.json's record of the backbone weights. */
async function train(name: string, flags: string[]) {
  const out = join(directory, name);
  const result = await runBinary(
    ['--quiet', 'train', data, '--epochs', '2', '--batch-size', '8', '--out', out, ...flags],
    { env },
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(exitCodes.success);
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8'));
  const backbone = metadata.graft.backbone as {
    name: string;
    weightsId: string;
    config: { weights: Provenance; featureLayer?: string | null };
  };
  return { out, config, backbone, weights: config.backboneWeights as Provenance };
}

describe('graft train: weight sources and provenance (built binary)', () => {
  it('--weights <Teachable Machine folder> trains (2 workers) and records tfjs-layers + sha256', async () => {
    const { weights, backbone } = await train('tm-folder', [
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--weights',
      teachableMachineDir,
      '--extraction-workers',
      '2',
    ]);
    expect(weights).toMatchObject({
      location: join(teachableMachineDir, 'model.json'),
      origin: 'explicit',
      format: 'tfjs-layers',
      sha256: 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a',
      source: 'teachable-machine',
    });
    expect(backbone.config.weights).toEqual(weights);
  });

  it('--weights <.h5> records keras-h5, its path and sha256', async () => {
    const { weights, backbone, config } = await train('h5', [
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--weights',
      h5Path,
    ]);
    expect(config.weights).toBe(h5Path);
    expect(weights).toMatchObject({
      location: h5Path,
      format: 'keras-h5',
      sha256: '27208485b20dc5323acde9998159a25abfe52f06a5da10128b2cbd2c063b1236',
    });
    expect(backbone.config.weights).toEqual(weights);
  });

  it('never records Keras ImageNet provenance for a file it does not know', async () => {
    // The Teachable Machine base with one value changed: loads fine, but is nobody's canonical file.
    const changed = join(directory, 'changed-weights');
    await mkdir(changed);
    await copyFile(join(teachableMachineDir, 'model.json'), join(changed, 'model.json'));
    const shard = await readFile(join(teachableMachineDir, 'group1-shard1of1.bin'));
    shard.writeFloatLE(1, shard.byteLength - 4);
    await writeFile(join(changed, 'group1-shard1of1.bin'), shard);
    const { out, weights, backbone } = await train('changed', [
      '--backbone',
      'mobilenet_v2_0.35_224',
      '--weights',
      changed,
    ]);
    expect(weights).toMatchObject({
      location: join(changed, 'model.json'),
      format: 'tfjs-layers',
      source: null,
      url: null,
      license: null,
    });
    expect(weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(backbone)).not.toMatch(/imagenet|keras-applications|Apache/i);

    // The file changes under the run: resume refuses rather than train other weights.
    shard.writeFloatLE(2, shard.byteLength - 4);
    await writeFile(join(changed, 'group1-shard1of1.bin'), shard);
    const resumed = await runBinary(['--quiet', 'resume', out, '--epochs', '3'], { env });
    expect(resumed.code).toBe(exitCodes.input);
    expect(resumed.stderr).toContain(
      `but the run started from ${join(changed, 'model.json')} with sha256 ${weights.sha256}`,
    );
  });

  it('a wrong file fails at once naming the file, what it is and the formats accepted', async () => {
    const random = join(directory, 'random.bin');
    await writeFile(random, Buffer.from([7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    const out = join(directory, 'wrong-file');
    const result = await runBinary(['train', data, '--weights', random, '--out', out], { env });
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${random}: is unrecognised content`);
    expect(result.stderr).toMatch(
      /--weights for backbone mobilenet_v2_1\.0_224 accepts Keras HDF5 weights \(\.h5\), TF\.js LayersModel/,
    );
    // Refused before any backbone was built or run folder written.
    await expect(stat(out)).rejects.toThrow();

    // lr-find builds the backbone the same way (it used to ignore --weights).
    const lrFind = await runBinary(['lr-find', data, '--weights', random], { env });
    expect(lrFind.code).toBe(exitCodes.input);
    expect(lrFind.stderr).toContain(`${random}: is unrecognised content`);

    const resnet = await runBinary(
      ['train', data, '--backbone', 'resnet18', '--weights', h5Path, '--out', out],
      { env },
    );
    expect(resnet.code).toBe(exitCodes.input);
    expect(resnet.stderr).toMatch(
      /\.h5: is Keras HDF5 weights \(\.h5\), but --weights for backbone resnet18 accepts safetensors/,
    );
  });

  it('weights of another width fail naming the file and the backbone', async () => {
    const result = await runBinary(
      ['train', data, '--weights', teachableMachineDir, '--out', join(directory, 'wrong-width')],
      { env },
    );
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(
      /teachable-machine\/.*model\.json: does not fit backbone mobilenet_v2_1\.0_224: shape mismatch/,
    );
  });

  it('--backbone <model.json> --feature-layer trains on 2 workers, and resume rebuilds it', async () => {
    const modelJson = join(teachableMachineDir, 'model.json');
    const { out, config, backbone, weights } = await train('model-file', [
      '--backbone',
      modelJson,
      '--feature-layer',
      'block_16_project_BN',
      '--extraction-workers',
      '2',
    ]);
    expect(config).toMatchObject({
      backbone: modelJson,
      weights: 'model',
      featureLayer: 'block_16_project_BN',
    });
    expect(weights).toMatchObject({ location: modelJson, format: 'tfjs-layers' });
    expect(backbone.config.featureLayer).toBe('block_16_project_BN');
    const resumed = await runBinary(['--quiet', 'resume', out, '--epochs', '3'], { env });
    expect(resumed.code).toBe(exitCodes.success);
    const history = (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8')).trim().split('\n');
    expect(history).toHaveLength(3);
    // The saved classifier holds the cut model: predict needs no model file.
    const image = join(data, 'val', 'bees', (await readdir(join(data, 'val', 'bees')))[0] ?? '');
    const predicted = await runBinary(['--json', 'predict', out, image], { env });
    expect(predicted.code).toBe(exitCodes.success);
    expect(JSON.parse(predicted.stdout)).toHaveLength(1);

    const unknown = await runBinary(
      ['train', data, '--backbone', modelJson, '--feature-layer', 'block_16_projct'],
      { env },
    );
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toMatch(
      /featureLayer.*nearest of its 155 layer names: block_16_project,/,
    );
  });

  it('an unknown backbone name lists the valid names', async () => {
    const result = await runBinary(['train', data, '--backbone', 'mobilenet_v9'], { env });
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toMatch(
      /--backbone.*Unknown backbone "mobilenet_v9"\. Valid backbone names: .*mobilenet_v2_0\.35_224, .*resnet18/,
    );
  });
});
