// Acceptance (issue 26, Grad-CAM checked behaviourally): on synthetic images whose class is
// decided by a bright patch in a known quadrant, a small convnet trained end-to-end on the wasm
// backend explains its decisions with heat maps whose mass lies in that quadrant (≥ 60 % of the
// mass for ≥ 90 % of the validation images).
import { backboneFromModel } from '@graft/backbones';
import { SeededRandom } from '@graft/core';
import { initBackend } from '@graft/runtime';
import { gradCam, upsampleHeatMap } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const size = 32;
const patch = 7;
/**
 * The class is the colour of the patch (red, green, blue), or `none` when there is no coloured
 * patch (so every colour needs evidence of its own: with no `none` class a network can call
 * "red" whatever is neither green nor blue, and red's map then shows no place). A bright grey
 * patch in another quadrant decides nothing, so a map that follows brightness alone fails.
 */
const classColours: Array<[number, number, number]> = [
  [250, 40, 40],
  [40, 250, 40],
  [40, 40, 250],
];
const classCount = classColours.length + 1;
const none = classColours.length;
const distractor: [number, number, number] = [235, 235, 235];

interface Synthetic {
  images: tf.Tensor4D;
  labels: number[];
  /**
   * Quadrant of the class patch: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right (for
   * `none`, where the patch would have been).
   */
  quadrants: number[];
}

/** Grey noise in [0, 110) plus the class patch in one quadrant and a distractor in another. */
function synthetic(count: number, seed: number): Synthetic {
  const random = new SeededRandom(seed);
  const pixels = new Float32Array(count * size * size * 3);
  const labels: number[] = [];
  const quadrants: number[] = [];
  const paint = (image: number, quadrant: number, colour: readonly number[]) => {
    const half = size / 2;
    const top = (quadrant >> 1) * half + random.int(1, half - patch - 1);
    const left = (quadrant & 1) * half + random.int(1, half - patch - 1);
    for (let y = top; y < top + patch; y++) {
      for (let x = left; x < left + patch; x++) {
        for (let channel = 0; channel < 3; channel++) {
          pixels[((image * size + y) * size + x) * 3 + channel] = colour[channel] as number;
        }
      }
    }
  };
  for (let image = 0; image < count; image++) {
    // Grey texture: brightness noise with no colour, so only the patches carry colour evidence.
    for (let pixel = 0; pixel < size * size; pixel++) {
      const value = random.uniform(0, 110);
      for (let channel = 0; channel < 3; channel++) {
        pixels[(image * size * size + pixel) * 3 + channel] = value;
      }
    }
    const label = random.int(0, classCount - 1);
    const quadrant = random.int(0, 3);
    if (label !== none) paint(image, quadrant, classColours[label] as readonly number[]);
    paint(image, (quadrant + random.int(1, 3)) % 4, distractor);
    labels.push(label);
    quadrants.push(quadrant);
  }
  // Normalised as a [-1, 1] backbone expects.
  const images = tf.tidy(() =>
    tf.sub(tf.div(tf.tensor4d(pixels, [count, size, size, 3]), 127.5), 1),
  );
  return { images: images as tf.Tensor4D, labels, quadrants };
}

/** A user's small convnet (3 convolutions, 8×8 last map) as a Graft backbone, plus a softmax head. */
function smallClassifier() {
  const input = tfl.input({ shape: [size, size, 3], name: 'image' });
  let x: tfl.SymbolicTensor = input;
  [8, 16, 24].forEach((filters, index) => {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: `conv${index + 1}`,
        kernelInitializer: tfl.initializers.heNormal({ seed: 10 + index }),
      })
      .apply(x) as tfl.SymbolicTensor;
    if (index < 2)
      x = tfl.layers
        .maxPooling2d({ poolSize: 2, name: `pool${index + 1}` })
        .apply(x) as tfl.SymbolicTensor;
  });
  const backbone = backboneFromModel({
    model: tfl.model({ inputs: input, outputs: x, name: 'quadrant_net' }),
    preprocessing: {
      inputSize: [size, size],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    frozen: false,
  });
  const headInput = tfl.input({ shape: [backbone.featureDim], name: 'head_features' });
  const head = tfl.model({
    inputs: headInput,
    outputs: tfl.layers
      .dense({
        units: classCount,
        activation: 'softmax',
        name: 'head_output',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 20 }),
      })
      .apply(headInput) as tfl.SymbolicTensor,
    name: 'head',
  });
  const model = tfl.model({
    inputs: backbone.model.inputs,
    outputs: head.apply(backbone.model.outputs[0] as tfl.SymbolicTensor) as tfl.SymbolicTensor,
    name: 'quadrant_classifier',
  });
  return { backbone, model };
}

/** Share of each map's mass inside the quadrant, `[N]`. */
function quadrantShares(heatMaps: tf.Tensor3D, quadrants: readonly number[]): number[] {
  const [count, height, width] = heatMaps.shape;
  const values = heatMaps.dataSync();
  return Array.from({ length: count }, (_, image) => {
    let total = 0;
    let inside = 0;
    const quadrant = quadrants[image] as number;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const value = values[(image * height + y) * width + x] as number;
        total += value;
        const cell = (y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0);
        if (cell === quadrant) inside += value;
      }
    }
    return total > 0 ? inside / total : 0;
  });
}

describe('Grad-CAM on a patch-in-a-quadrant task (wasm)', () => {
  let classifier: ReturnType<typeof smallClassifier>;
  let validation: Synthetic;

  beforeAll(async () => {
    const report = await initBackend({ prefer: 'wasm' });
    expect(report.chosen).toBe('wasm');
    classifier = smallClassifier();
    const training = synthetic(480, 1);
    validation = synthetic(120, 2);
    classifier.model.compile({
      optimizer: tf.train.adam(0.003),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const targets = tf.oneHot(tf.tensor1d(training.labels, 'int32'), classCount);
    await classifier.model.fit(training.images, targets, {
      epochs: 8,
      batchSize: 32,
      shuffle: false,
      verbose: 0,
    });
    tf.dispose([training.images, targets]);
  });

  afterAll(() => {
    validation.images.dispose();
    classifier.model.dispose();
  });

  it('learns the task, and puts ≥ 60 % of the heat in the patch quadrant for ≥ 90 % of images', async () => {
    const featureMapLayer = classifier.backbone.featureMapLayer;
    expect(featureMapLayer).toBe('conv3');
    const run = () =>
      gradCam({ model: classifier.model, inputs: validation.images, featureMapLayer });
    // Warm-up, then no tensor may survive a run beyond what it returns.
    const warm = run();
    tf.dispose([warm.heatMaps, warm.classIndices, warm.outputs]);
    const before = tf.memory().numTensors;
    const result = run();
    expect(tf.memory().numTensors).toBe(before + 3);
    const predicted = Array.from(result.classIndices.dataSync());
    const accuracy =
      predicted.filter((label, index) => label === validation.labels[index]).length /
      predicted.length;
    const shares = quadrantShares(result.heatMaps, validation.quadrants);
    const upsampled = tf.tidy(() =>
      tf.stack(
        tf.unstack(result.heatMaps).map((map) => upsampleHeatMap(map as tf.Tensor2D, [size, size])),
      ),
    ) as tf.Tensor3D;
    const upsampledShares = quadrantShares(upsampled, validation.quadrants);
    tf.dispose([upsampled, result.heatMaps, result.classIndices, result.outputs]);
    // Images with a coloured patch: the ones with a quadrant to find.
    const withPatch = (values: number[]) =>
      values.filter((_, index) => validation.labels[index] !== none);
    const passingShare = (values: number[]) =>
      values.filter((share) => share >= 0.6).length / values.length;
    const patched = withPatch(shares);
    const passing = passingShare(patched);
    const sorted = [...patched].sort((a, b) => a - b);
    const perClass = classColours.map((_, label) => {
      const own = shares.filter((_, index) => validation.labels[index] === label);
      return `${own.filter((share) => share >= 0.6).length}/${own.length}`;
    });
    // For the note: the paper's raw logit (centreLogits: false) on the same model.
    const raw = gradCam({
      model: classifier.model,
      inputs: validation.images,
      featureMapLayer,
      centreLogits: false,
    });
    const rawPassing = passingShare(withPatch(quadrantShares(raw.heatMaps, validation.quadrants)));
    tf.dispose([raw.heatMaps, raw.classIndices, raw.outputs]);
    // Reported in the closing note (issue 26).
    console.info(
      `grad-cam quadrant: accuracy ${(accuracy * 100).toFixed(1)}% (${predicted.length} images); ${(passing * 100).toFixed(1)}% of ${patched.length} maps with a patch have ≥ 60% of their mass in its quadrant (8×8 map; per class ${perClass.join(', ')}), median share ${(sorted[Math.floor(sorted.length / 2)] as number).toFixed(3)}, min ${(sorted[0] as number).toFixed(3)}; upsampled to 32×32: ${(passingShare(withPatch(upsampledShares)) * 100).toFixed(1)}%; raw logit: ${(rawPassing * 100).toFixed(1)}%`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(passing).toBeGreaterThanOrEqual(0.9);
  });
});
