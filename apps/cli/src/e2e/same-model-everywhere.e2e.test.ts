import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeBatch, type Preprocessing } from '@graft/core';
import { decodePixels, FileImageDataset } from '@graft/datasets/node';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { adam, evaluate, extractFeatures, train } from '@graft/trainer';
import { loadClassifier, saveClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { startExtractionWorkers } from '../pipeline/extraction-workers.js';
import {
  createTrainingBackbone,
  type TrainingBackboneSpec,
} from '../pipeline/training-backbone.js';
import { loadPlainModel } from '../testing/load-plain-model.js';
import { requireBinary, runBinary } from './run-binary.js';

// Issue "one model everywhere": one image set through every entry point that can run a Graft
// classifier, and a client outside Graft following docs/preprocessing.md, must give the same
// probabilities (max difference <= 1e-4). The model is real: MobileNetV2 0.35 ImageNet features
// (the CLI's centre-crop policy) and a linear head trained on ants/bees photos. The images are
// real photos of several sizes and aspect ratios, re-encoded losslessly as PNG and WebP, one at
// exactly the input size and one small enough to be upscaled.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
const backboneName = 'mobilenet_v2_0.35_224';
const tolerance = 1e-4;
let directory: string;
let env: Record<string, string>;
let images: string[];
let classifierDirectory: string;
let runDirectory: string;
// The backbone exactly as `graft train` builds it (the CLI's centre-crop policy for MobileNetV2).
const backboneSpec: TrainingBackboneSpec = { backbone: backboneName, weights: 'imagenet', seed: 3 };

/** `count` JPEG paths of a split/class, in name order. */
async function photos(split: string, className: string, count: number): Promise<string[]> {
  const folder = join(hymenoptera, split, className);
  const names = (await readdir(folder)).filter((name) => name.endsWith('.jpg')).sort();
  return names.slice(0, count).map((name) => join(folder, name));
}

/** Per image, the probability of every class. */
type Probabilities = Map<string, number[]>;

function rows(values: Float32Array, sources: ReadonlyArray<string | undefined>, classes: number) {
  const result: Probabilities = new Map();
  sources.forEach((source, index) => {
    result.set(
      source ?? String(index),
      Array.from(values.subarray(index * classes, (index + 1) * classes)),
    );
  });
  return result;
}

function largestDifference(reference: Probabilities, other: Probabilities): number {
  let largest = 0;
  for (const [image, expected] of reference) {
    const actual = other.get(image);
    if (actual === undefined) throw new Error(`no probabilities for ${image}`);
    expected.forEach((value, index) => {
      largest = Math.max(largest, Math.abs(value - (actual[index] as number)));
    });
  }
  return largest;
}

function dataset(preprocessing: Preprocessing): FileImageDataset {
  return new FileImageDataset({
    files: images.map((path) => ({ path, label: path.includes('/ants/') ? 0 : 1 })),
    classNames: ['ants', 'bees'],
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
  });
}

beforeAll(async () => {
  requireBinary();
  await initBackend({ prefer: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'graft-same-model-'));
  env = {
    GRAFT_MIRROR: join(shared, 'weights'),
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
  // The image set: photos as they are, plus lossless re-encodings of other sizes.
  const [first, second, third] = await photos('val', 'ants', 3);
  const bees = await photos('val', 'bees', 3);
  const made = join(directory, 'images', 'bees');
  await mkdir(made, { recursive: true });
  const png = join(made, 'portrait.png');
  await sharp(second).rotate(90).png().toFile(png);
  const webp = join(made, 'lossless.webp');
  await sharp(third).webp({ lossless: true }).toFile(webp);
  const exact = join(made, 'exact-224.png');
  await sharp(first).resize(224, 224, { fit: 'fill' }).png().toFile(exact);
  const small = join(made, 'small-upscaled.png');
  await sharp(first).resize(90, 70, { fit: 'fill' }).png().toFile(small);
  images = [first, second, third, ...bees, png, webp, exact, small] as string[];

  // The classifier: frozen features + a linear head trained on 12 + 12 training photos.
  const backbone = await createTrainingBackbone(backboneSpec);
  const head = createHead('linear', { featureDim: backbone.featureDim, numClasses: 2, seed: 3 });
  try {
    const trainImages = [
      ...(await photos('train', 'ants', 12)),
      ...(await photos('train', 'bees', 12)),
    ];
    const trainData = new FileImageDataset({
      files: trainImages.map((path) => ({ path, label: path.includes('/ants/') ? 0 : 1 })),
      classNames: ['ants', 'bees'],
      imageSize: backbone.preprocessing.inputSize,
      resize: backbone.preprocessing.resize,
    });
    await train({
      backbone,
      head,
      trainData,
      mode: 'feature-extraction',
      epochs: 15,
      batchSize: 8,
      optimizer: adam({ learningRate: 0.01 }),
      seed: 3,
    });
    runDirectory = join(directory, 'run');
    classifierDirectory = join(runDirectory, 'model');
    await saveClassifier({
      backbone,
      head,
      classNames: ['ants', 'bees'],
      directory: classifierDirectory,
    });
    await writeFile(join(runDirectory, 'config.json'), '{}\n');
  } finally {
    head.dispose();
    backbone.dispose();
  }
}, 300_000);

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('one image set, every entry point, the same probabilities', () => {
  const results = new Map<string, Probabilities>();

  it('graft predict (the built binary) is the reference', async () => {
    const result = await runBinary(['--json', 'predict', runDirectory, ...images, '--top', '2'], {
      env,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(exitCodes.success);
    const predictions = JSON.parse(result.stdout) as Array<{
      image: string;
      top: Array<{ className: string; probability: number }>;
    }>;
    const reference: Probabilities = new Map();
    for (const prediction of predictions) {
      const byClass = Object.fromEntries(
        prediction.top.map((entry) => [entry.className, entry.probability]),
      );
      reference.set(prediction.image, [byClass.ants ?? Number.NaN, byClass.bees ?? Number.NaN]);
    }
    expect(reference.size).toBe(images.length);
    // A model that has learned something: not every image at 0.5.
    const spread = [...reference.values()].map((row) => Math.abs((row[0] as number) - 0.5));
    expect(Math.max(...spread)).toBeGreaterThan(0.2);
    results.set('graft predict', reference);
  });

  it('loadClassifier(...).predict on a full-size tensor of each decoded image', async () => {
    const classifier = await loadClassifier(classifierDirectory);
    try {
      const probabilities: Probabilities = new Map();
      for (const image of images) {
        const decoded = await decodePixels(await readFile(image), image);
        const pixels = tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
        const [row] = await classifier.predict(pixels);
        pixels.dispose();
        const byClass = Object.fromEntries(
          (row ?? []).map((entry) => [entry.label, entry.probability]),
        );
        probabilities.set(image, [byClass.ants as number, byClass.bees as number]);
      }
      results.set('classifier.predict(tensor)', probabilities);
    } finally {
      classifier.dispose();
    }
  });

  it("the trainer's evaluate and the feature worker pool, on the backbone and head", async () => {
    const backbone = await createTrainingBackbone(backboneSpec);
    const classifier = await loadClassifier(classifierDirectory);
    // The trained head is the last layer of the saved model: rebuild it from there.
    const headModel = classifier.model.layers[
      classifier.model.layers.length - 1
    ] as tfl.LayersModel;
    const head = {
      model: headModel,
      activation: classifier.metadata.graft.activation,
    } as unknown as Parameters<typeof evaluate>[0]['head'];
    const pool = await startExtractionWorkers({
      workers: 2,
      backend: tf.getBackend(),
      backbone: backboneSpec,
    });
    try {
      await evaluate({
        backbone,
        head,
        data: dataset(backbone.preprocessing),
        onPredictions: (values, sources) =>
          results.set('trainer evaluate', rows(values, sources, 2)),
      });
      const { table } = await extractFeatures({
        backbone,
        data: dataset(backbone.preprocessing),
        batchSize: 4,
        featureComputer: pool,
      });
      const output = tf.tidy(
        () =>
          headModel.predict(
            tf.tensor2d(table.features, [table.count, table.featureDim]),
          ) as tf.Tensor,
      );
      results.set(
        'feature worker pool',
        rows((await output.data()) as Float32Array, table.sources, 2),
      );
      output.dispose();
    } finally {
      await pool.close();
      classifier.dispose();
      backbone.dispose();
    }
  }, 300_000);

  it('plain tfjs + Pillow, following docs/preprocessing.md, with no Graft code', async (context) => {
    const pixelsDirectory = join(directory, 'pillow');
    const preprocessing = await runPillowClient(context, pixelsDirectory);
    if (preprocessing === undefined) return;
    const model = await loadPlainModel(classifierDirectory);
    try {
      const [low, high] = preprocessing.inputRange as [number, number];
      const [height, width] = preprocessing.inputSize as [number, number];
      const probabilities: Probabilities = new Map();
      for (const [index, image] of images.entries()) {
        const bytes = await readFile(join(pixelsDirectory, `${index}.rgb`));
        // The document's formula, channel by channel (rgb here).
        const input = Float32Array.from(bytes, (pixel, position) => {
          const channel = (position % 3) as 0 | 1 | 2;
          return (
            ((pixel * (high - low)) / 255 + low - preprocessing.mean[channel]) /
            preprocessing.std[channel]
          );
        });
        const output = tf.tidy(
          () => model.predict(tf.tensor4d(input, [1, height, width, 3])) as tf.Tensor,
        );
        probabilities.set(image, Array.from((await output.data()) as Float32Array));
        output.dispose();
      }
      results.set('plain tfjs + Pillow (docs/preprocessing.md)', probabilities);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('all agree with graft predict within 1e-4', () => {
    const reference = results.get('graft predict') as Probabilities;
    const differences = Object.fromEntries(
      [...results].map(([name, probabilities]) => [
        name,
        largestDifference(reference, probabilities),
      ]),
    );
    console.log(`largest probability difference to graft predict: ${JSON.stringify(differences)}`);
    expect(results.size).toBeGreaterThanOrEqual(4);
    for (const difference of Object.values(differences))
      expect(difference).toBeLessThanOrEqual(tolerance);
  });
});

describe('the Pillow client itself', () => {
  it('gives the very bytes Graft decodes and resizes (JPEG, PNG, WebP, exact size, upscale)', async (context) => {
    const out = join(directory, 'pillow-bytes');
    const preprocessing = await runPillowClient(context, out);
    if (preprocessing === undefined) return;
    const graft = dataset(preprocessing);
    let index = 0;
    let differing = 0;
    for await (const batch of graft.batches({ batchSize: 4 })) {
      const values = await batch.images.data();
      const size = values.length / batch.images.shape[0];
      for (let row = 0; row < batch.images.shape[0]; row++) {
        const expected = await readFile(join(out, `${index}.rgb`));
        for (let position = 0; position < size; position++) {
          if (values[row * size + position] !== expected[position]) differing++;
        }
        index++;
      }
      disposeBatch(batch);
    }
    expect(index).toBe(images.length);
    expect(differing).toBe(0);
  }, 120_000);
});

/**
 * Runs the Pillow client over the image set into `out` (one `<index>.rgb` per image) with the
 * saved classifier's preprocessing, and returns that preprocessing; skips the test without
 * Pillow (CI installs python3-pil from .ci/apt-packages.txt, so there it must run).
 */
async function runPillowClient(
  context: { skip: () => void },
  out: string,
): Promise<Preprocessing | undefined> {
  const python = pillowAvailable();
  if (!python) {
    if (process.env.CI)
      throw new Error('python3 with Pillow (Debian python3-pil) is required in CI');
    context.skip();
    return undefined;
  }
  const metadata = JSON.parse(await readFile(join(classifierDirectory, 'metadata.json'), 'utf8'));
  const preprocessing = metadata.graft.preprocessing as Preprocessing;
  await mkdir(out, { recursive: true });
  execFileSync(python, ['-c', pillowClient, JSON.stringify({ images, preprocessing, out })]);
  return preprocessing;
}

/** A Python that can import Pillow (the PATH's, or Debian's own), else undefined. */
function pillowAvailable(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import PIL.Image'], { stdio: 'ignore' });
      return python;
    } catch {
      // Try the next one.
    }
  }
  return undefined;
}

// A client outside Graft: decode with Pillow, then resize and crop exactly as
// docs/preprocessing.md section 2 says (geometry written from the document, resampling by Pillow).
const pillowClient = `
import json, math, sys
from PIL import Image, ImageOps
spec = json.loads(sys.argv[1])
p = spec['preprocessing']
h, w = p['inputSize']
r = p['resize']
filters = {'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC, 'nearest': Image.NEAREST}
for index, path in enumerate(spec['images']):
    image = ImageOps.exif_transpose(Image.open(path)).convert('RGB')
    W, H = image.size
    if (W, H) != (w, h):
        if r['mode'] == 'stretch':
            RW, RH, left, top = w, h, 0, 0
        else:
            bw = max(w, math.floor(w / r['cropFraction']))
            bh = max(h, math.floor(h / r['cropFraction']))
            height_limits = bh / H >= bw / W
            if r['rounding'] == 'teachable-machine':
                s = bh / H if height_limits else bw / W
                RW, RH = max(bw, math.ceil(W * s)), max(bh, math.ceil(H * s))
                left, top = int((RW - w) / 2), int((RH - h) / 2)
            else:
                if height_limits:
                    RH, RW = bh, max(bw, int(bh * W / H))
                else:
                    RW, RH = bw, max(bh, int(bw * H / W))
                left, top = round((RW - w) / 2), round((RH - h) / 2)
        image = image.resize((RW, RH), filters[r['interpolation']]).crop((left, top, left + w, top + h))
    open('%s/%d.rgb' % (spec['out'], index), 'wb').write(image.tobytes())
`;
