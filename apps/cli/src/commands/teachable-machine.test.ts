import '@tensorflow/tfjs-backend-cpu';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teachableMachineBackbone } from '@graft/backbones';
import { SeededRandom } from '@graft/core';
import { openImageFolder } from '@graft/datasets/node';
import { linearHead } from '@graft/heads';
import { adam, train } from '@graft/trainer';
import { loadClassifier, saveClassifier } from '@graft/trainer/node';
import { teachableMachineBaseName, writeTeachableMachineClassifier } from '@graft/trainer/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { loadPlainModel } from '../testing/load-plain-model.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { encodeBmp } from '../testing/write-test-images.js';

// In-process predict / eval / adapt / export of a genuine Teachable Machine export (built from
// the shared TM MobileNetV2 0.35 base exactly as @teachablemachine/image builds it), given as a
// bare classifier directory.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const labels = ['ants', 'bees'];
let directory: string;
let tmDirectory: string;
let data: string;

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-tm-cli-'));
  tmDirectory = join(directory, 'my-tm-model');
  await writeTeachableMachineClassifier({
    directory: tmDirectory,
    baseDirectory: join(shared, 'weights', 'teachable-machine', teachableMachineBaseName),
    labels,
  });
  data = join(directory, 'data');
  for (const className of labels) {
    const from = join(shared, 'data', 'hymenoptera', 'val', className);
    const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
    await mkdir(join(data, className), { recursive: true });
    for (const name of files.slice(0, 3)) {
      await copyFile(join(from, name), join(data, className, name));
    }
  }
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('Teachable Machine exports in the CLI', () => {
  it('predict takes the bare TM directory and predicts as TM does (x / 127 - 1)', async () => {
    const random = new SeededRandom(11);
    const pixels = new Uint8Array(224 * 224 * 3).map(() => Math.floor(random.next() * 256));
    const image = join(directory, 'noise.bmp');
    await writeFile(image, encodeBmp(pixels, 224, 224));
    const result = await run('--json', 'predict', tmDirectory, image, '--top', '2');
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const [prediction] = JSON.parse(result.stdout) as {
      top: { className: string; probability: number }[];
    }[];
    const byClass = Object.fromEntries(
      (prediction?.top ?? []).map((entry) => [entry.className, entry.probability]),
    );

    // By hand: plain tfjs on TM's files, and TM's capture() formula on the 224x224 pixels.
    const model = await loadPlainModel(tmDirectory);
    const expected = tf.tidy(() => {
      const input = tf.sub(tf.div(tf.tensor4d(pixels, [1, 224, 224, 3], 'float32'), 127), 1);
      return model.predict(input) as tf.Tensor;
    });
    const [ants = Number.NaN, bees = Number.NaN] = await expected.data();
    expected.dispose();
    model.dispose();
    expect(Math.abs((byClass.ants ?? Number.NaN) - ants)).toBeLessThan(1e-5);
    expect(Math.abs((byClass.bees ?? Number.NaN) - bees)).toBeLessThan(1e-5);
  });

  it('eval, adapt and export take the bare TM directory; the results load again', async () => {
    const evaluated = await run('--json', 'eval', tmDirectory, data);
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ count: 6, classNames: labels });

    const adapted = await run('--json', 'adapt', '--method', 'adabn', tmDirectory, data);
    expect(adapted.code, adapted.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(adapted.stdout);
    expect(summary.output).toBe(`${tmDirectory}-adabn`);
    expect(summary.report).toMatchObject({ method: 'adabn', imagesSeen: 6, layersAdapted: 52 });
    const config = JSON.parse(await readFile(join(summary.output, 'config.json'), 'utf8'));
    expect(config.adaptation).toMatchObject({ method: 'adabn', sourceRun: tmDirectory });
    const adaptedEval = await run('--json', 'eval', summary.output, data);
    expect(adaptedEval.code, adaptedEval.stderr).toBe(exitCodes.success);

    const out = join(directory, 'exported');
    const exported = await run('--json', 'export', tmDirectory, '--out', out);
    expect(exported.code, exported.stderr).toBe(exitCodes.success);
    expect((await readdir(out)).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    const metadata = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8'));
    // TM's loader reads labels and imageSize; its fields stay, the preprocessing is recorded.
    expect(metadata).toMatchObject({
      labels,
      imageSize: 224,
      tmVersion: '2.4.10',
      packageName: '@teachablemachine/image',
      graft: {
        source: 'teachable-machine',
        preprocessing: { inputRange: [-1, 128 / 127] },
        // TM's own loader feeds it exactly what it was trained on.
        teachableMachine: { reproducible: true, differences: [] },
      },
    });
    const again = await run('--json', 'eval', out, data);
    expect(again.code, again.stderr).toBe(exitCodes.success);
    expect(JSON.parse(again.stdout).accuracy).toBe(JSON.parse(evaluated.stdout).accuracy);
  });

  it('names the missing weights.bin with the input-error exit code', async () => {
    const broken = join(directory, 'no-weights');
    await writeTeachableMachineClassifier({
      directory: broken,
      baseDirectory: join(shared, 'weights', 'teachable-machine', teachableMachineBaseName),
      labels,
    });
    await unlink(join(broken, 'weights.bin'));
    for (const command of [
      ['predict', broken, join(data, 'ants')],
      ['eval', broken, data],
    ]) {
      const result = await run(...command);
      expect(result.code).toBe(exitCodes.input);
      expect(result.stderr).toContain(`${join(broken, 'weights.bin')}: is missing`);
      expect(result.stderr).not.toMatch(/model\.json: is missing|metadata\.json: is missing/);
    }
  });

  it('rejects a folder that holds no classifier, and bad metadata, as input errors', async () => {
    const result = await run('predict', data, join(data, 'ants'));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(/neither a run directory .* nor a classifier directory/);

    const noLabels = join(directory, 'no-labels');
    await mkdir(noLabels);
    for (const name of ['model.json', 'weights.bin']) {
      await copyFile(join(tmDirectory, name), join(noLabels, name));
    }
    await writeFile(join(noLabels, 'metadata.json'), JSON.stringify({ tmVersion: '2.4.10' }));
    const bad = await run('export', noLabels);
    expect(bad.code).toBe(exitCodes.input);
    expect(bad.stderr).toContain(`${join(noLabels, 'metadata.json')}: has no \`labels\``);
  });

  it('graft train --backbone <TM directory> trains a new head on its features, with TM preprocessing', async () => {
    const split = join(directory, 'split-data');
    for (const [part, offset] of [
      ['train', 0],
      ['val', 3],
    ] as const) {
      for (const className of labels) {
        const from = join(shared, 'data', 'hymenoptera', 'val', className);
        const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
        await mkdir(join(split, part, className), { recursive: true });
        for (const name of files.slice(offset, offset + 3)) {
          await copyFile(join(from, name), join(split, part, className, name));
        }
      }
    }
    const out = join(directory, 'run-on-tm');
    const trained = await run(
      '--json',
      'train',
      split,
      '--backbone',
      tmDirectory,
      '--epochs',
      '3',
      '--extraction-workers',
      '1',
      '--out',
      out,
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8'));
    // TM's real preprocessing (x / 127 - 1, its own centre crop), not the [-1, 1] stretch default.
    expect(metadata.graft.preprocessing).toMatchObject({
      inputRange: [-1, 128 / 127],
      resize: { mode: 'center-crop', cropFraction: 1, rounding: 'teachable-machine' },
    });
    // The features are TM's pooled MobileNet (1280 values), not the TM head's probabilities.
    expect(metadata.graft.backbone.config).toMatchObject({ family: 'teachable-machine' });
    expect(metadata.graft.backbone.config.weights).toMatchObject({ format: 'tfjs-layers' });
    const ants = join(split, 'val', 'ants');
    const images = (await readdir(ants)).map((name) => join(ants, name));
    const predicted = await run('--json', 'predict', out, ...images);
    expect(predicted.stderr).toBe('');
    expect(JSON.parse(predicted.stdout)).toHaveLength(images.length);
  });

  it("trains a new head on a TM classifier's features, saved with TM's preprocessing", async () => {
    const classifier = await loadClassifier(tmDirectory);
    const backbone = await teachableMachineBackbone({
      model: classifier.model,
      preprocessing: classifier.metadata.graft.preprocessing,
    });
    classifier.dispose();
    const folder = await openImageFolder({
      root: data,
      imageSize: backbone.preprocessing.inputSize,
      resize: backbone.preprocessing.resize,
    });
    const trainData = folder.dataset();
    const head = linearHead({ featureDim: backbone.featureDim, numClasses: 2, seed: 1 });
    const optimizer = adam({ learningRate: 0.01 });
    await train({
      backbone,
      head,
      trainData,
      mode: 'feature-extraction',
      epochs: 30,
      batchSize: 6,
      optimizer,
    });
    const saved = join(directory, 'new-head');
    await saveClassifier({ directory: saved, backbone, head, classNames: trainData.classNames });
    optimizer.dispose();
    head.dispose();
    backbone.dispose();

    const metadata = JSON.parse(await readFile(join(saved, 'metadata.json'), 'utf8'));
    expect(metadata.graft.preprocessing).toMatchObject({
      inputRange: [-1, 128 / 127],
      resize: { rounding: 'teachable-machine', cropFraction: 1 },
    });
    expect(metadata.graft.backbone.weightsId).toMatch(/^teachable-machine:sha256-/);
    // Six training images, 1280 features: the new head fits them.
    const evaluated = await run('--json', 'eval', saved, data);
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(1);
  });
});
