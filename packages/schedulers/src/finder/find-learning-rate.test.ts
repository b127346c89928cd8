import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceBatches, spirals, twoLayerMlp } from '../__fixtures__/spirals.js';
import { findLearningRate, type StepOptimizer } from './find-learning-rate.js';
import { renderLearningRateCurveSvg } from './render-svg.js';
import { renderLearningRateCurveText } from './render-text.js';

function weightValues(model: tfl.LayersModel): number[][] {
  return model.weights.map((weight) => Array.from(weight.read().dataSync()));
}

describe('findLearningRate', () => {
  let data: { xs: tf.Tensor2D; ys: tf.Tensor2D };
  let batches: Array<{ xs: tf.Tensor; ys: tf.Tensor }>;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = spirals({ count: 600, seed: 1 });
    batches = sliceBatches(data.xs, data.ys, 32);
  });
  afterAll(() => {
    tf.dispose([data.xs, data.ys, ...batches.flatMap((batch) => [batch.xs, batch.ys])]);
  });

  it('ramps the rate exponentially, restores the weights and leaks nothing', async () => {
    const model = twoLayerMlp(3);
    const before = weightValues(model);
    const seen: number[] = [];
    const run = () =>
      findLearningRate({
        model,
        batches,
        steps: 40,
        startLearningRate: 1e-5,
        endLearningRate: 1e-1,
        onStep: ({ learningRate }) => seen.push(learningRate),
      });
    // Warm-up run: kernels and lazily created state.
    await run();
    const tensorsBefore = tf.memory().numTensors;
    const result = await run();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.stopReason).toBe('completed');
    expect(result.learningRates).toHaveLength(40);
    expect(result.learningRates[0]).toBeCloseTo(1e-5, 18);
    expect(result.learningRates[39]).toBeCloseTo(1e-1, 12);
    expect(seen.slice(40)).toEqual(result.learningRates);
    expect(result.rawLosses.every((loss) => Number.isFinite(loss) && loss > 0)).toBe(true);
    expect(weightValues(model)).toEqual(before);

    // Without restoring, the same run leaves trained weights behind: the check above can fail.
    await findLearningRate({
      model,
      batches,
      steps: 20,
      restoreWeights: false,
      endLearningRate: 1e-1,
    });
    expect(weightValues(model)).not.toEqual(before);
    model.dispose();
  });

  it('restores BatchNorm statistics and weights after a diverging run', async () => {
    const tfl = await import('@tensorflow/tfjs-layers');
    const input = tfl.input({ shape: [2] });
    const hidden = tfl.layers.dense({ units: 8 }).apply(input) as tfl.SymbolicTensor;
    const normed = tfl.layers.batchNormalization().apply(hidden) as tfl.SymbolicTensor;
    const output = tfl.layers
      .dense({ units: 3, activation: 'softmax' })
      .apply(normed) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const before = weightValues(model);
    const result = await findLearningRate({
      model,
      batches,
      optimizer: 'sgd',
      steps: 60,
      startLearningRate: 1e-2,
      endLearningRate: 1e6,
    });
    expect(result.diverged).toBe(true);
    expect(result.stopReason).toBe('diverged');
    expect(result.losses.length).toBeLessThan(60);
    expect(weightValues(model)).toEqual(before);
    model.dispose();
  });

  it('reads one-shot generators, factories and async iterables, and disposes their batches', async () => {
    const model = twoLayerMlp(4);
    const fresh = function* () {
      for (let index = 0; index < 5; index++) {
        yield { xs: tf.slice(data.xs, index * 16, 16), ys: tf.slice(data.ys, index * 16, 16) };
      }
    };
    const tensorsBefore = tf.memory().numTensors;
    const oneShot = await findLearningRate({ model, batches: fresh(), steps: 12 });
    expect(oneShot.stopReason).toBe('exhausted');
    expect(oneShot.losses).toHaveLength(5);
    const cycled = await findLearningRate({ model, batches: fresh, steps: 12 });
    expect(cycled.stopReason).toBe('completed');
    expect(cycled.losses).toHaveLength(12);
    const asyncBatches = async function* () {
      yield* fresh();
    };
    const fromAsync = await findLearningRate({ model, batches: asyncBatches, steps: 7 });
    expect(fromAsync.losses).toHaveLength(7);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('leaks nothing with each built-in optimiser, also when it stops in the middle of a pass', async () => {
    const model = twoLayerMlp(8);
    // A factory of fresh arrays: the test owns them, including the batches it never reaches.
    const fresh = () => sliceBatches(data.xs, data.ys, 64);
    await findLearningRate({ model, batches: fresh, steps: 5 });
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      const tensors = tf.memory().numTensors;
      const result = await findLearningRate({ model, batches: fresh, steps: 13, optimizer });
      expect(result.losses).toHaveLength(13);
      expect(tf.memory().numTensors, optimizer).toBe(tensors);
    }
    model.dispose();
  });

  it('drives a step optimiser with the ramp and accepts integer class targets', async () => {
    const model = twoLayerMlp(5);
    const rates: number[] = [];
    const optimizer: StepOptimizer = {
      applyGradients({ variables, gradients, learningRate }) {
        rates.push(learningRate);
        expect(gradients).toHaveLength(variables.length);
        tf.tidy(() => {
          variables.forEach(({ variable }, index) => {
            variable.assign(tf.sub(variable, tf.mul(gradients[index] as tf.Tensor, learningRate)));
          });
        });
      },
    };
    const sparse = batches.slice(0, 4).map((batch) => ({
      xs: batch.xs,
      ys: tf.argMax(batch.ys, 1),
    }));
    const result = await findLearningRate({
      model,
      batches: sparse,
      optimizer,
      steps: 8,
      disposeBatches: false,
    });
    expect(rates).toEqual(result.learningRates);
    const onehot = await findLearningRate({
      model,
      batches: batches.slice(0, 4),
      optimizer,
      steps: 8,
    });
    // Same weights (restored), same batches: sparse and one-hot targets give the same losses.
    result.rawLosses.forEach((loss, index) => {
      expect(loss).toBeCloseTo(onehot.rawLosses[index] as number, 5);
    });
    tf.dispose(sparse.map((batch) => batch.ys));
    model.dispose();
  });

  it('trains only the given variables through a custom forward function', async () => {
    const model = twoLayerMlp(7);
    const before = weightValues(model);
    const output = model.layers[2];
    const hidden = model.layers[1];
    if (output === undefined || hidden === undefined) throw new Error('unexpected model');
    const variables = output.trainableWeights.map((weight) => ({
      key: weight.name,
      variable: weight.read() as tf.Variable,
    }));
    let calls = 0;
    await findLearningRate({
      model,
      batches,
      steps: 10,
      variables,
      forward: (inputs) => {
        calls++;
        return model.apply(inputs, { training: false }) as tf.Tensor;
      },
      restoreWeights: false,
      startLearningRate: 1e-2,
      endLearningRate: 1e-1,
    });
    expect(calls).toBe(10);
    const after = weightValues(model);
    // Hidden layer untouched, output layer trained.
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toEqual(before[2]);
    expect(hidden.trainableWeights).toHaveLength(2);
    model.dispose();
  });

  it('rejects bad arguments', async () => {
    const model = twoLayerMlp(6);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ startLearningRate: 0 }, 'startLearningRate'],
      [{ startLearningRate: 1, endLearningRate: 0.1 }, 'endLearningRate'],
      [{ steps: 2 }, 'steps'],
      [{ smoothing: 1 }, 'smoothing'],
      [{ divergenceThreshold: 1 }, 'divergenceThreshold'],
      [{ optimizer: 'lion' }, 'optimizer'],
      [{ loss: 'hinge' }, 'loss'],
      [{ variables: [] }, 'variables'],
    ];
    for (const [options, argument] of cases) {
      const error = await findLearningRate({ model, batches, ...options }).catch(
        (caught) => caught,
      );
      expect(InvalidArgumentError.isInstance(error), argument).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    model.dispose();
  });
});

describe('acceptance: the suggestion trains a 2-layer MLP on spirals', () => {
  it('converges when training with the suggested learning rate, and not with a tiny one', async () => {
    await tf.setBackend('cpu');
    const data = spirals({ count: 600, seed: 1 });
    const batches = sliceBatches(data.xs, data.ys, 32);
    const finderModel = twoLayerMlp(3);
    // Defaults: Adam, 1e-7 → 10 over 200 steps, smoothing 0.9, stop at 4× the best loss.
    const result = await findLearningRate({ model: finderModel, batches });
    finderModel.dispose();
    const suggestion = result.suggestion as number;
    expect(suggestion).toBeDefined();
    // Below the rate where the smoothed loss bottomed out (past it, training blows up).
    const bestIndex = result.losses.indexOf(Math.min(...result.losses));
    expect(suggestion).toBeLessThan(result.learningRates[bestIndex] as number);

    const train = async (learningRate: number) => {
      const model = twoLayerMlp(3);
      model.compile({
        optimizer: tf.train.adam(learningRate),
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const history = await model.fit(data.xs, data.ys, {
        epochs: 20,
        batchSize: 32,
        shuffle: false,
        verbose: 0,
      });
      model.dispose();
      const losses = history.history.loss as number[];
      return {
        first: losses[0] as number,
        last: losses.at(-1) as number,
        accuracy: (history.history.acc as number[]).at(-1) as number,
      };
    };
    const suggested = await train(suggestion);
    const tiny = await train(suggestion / 1000);
    console.info(
      `lr finder: suggestion ${suggestion.toExponential(2)} (${result.stopReason} after ${result.losses.length} steps); ` +
        `20 epochs at the suggestion: loss ${suggested.first.toFixed(3)} → ${suggested.last.toFixed(3)}, accuracy ${suggested.accuracy.toFixed(3)}; ` +
        `at suggestion/1000: loss ${tiny.first.toFixed(3)} → ${tiny.last.toFixed(3)}`,
    );
    // Converges: the loss falls to under a quarter of the first epoch's and the spirals are learnt.
    expect(suggested.last).toBeLessThan(0.25 * suggested.first);
    expect(suggested.accuracy).toBeGreaterThan(0.9);
    // And the suggestion matters: a rate 1000× smaller is nowhere near after the same epochs.
    expect(tiny.last).toBeGreaterThan(2 * suggested.last);

    const svg = renderLearningRateCurveSvg({ result });
    expect(svg.startsWith('<svg')).toBe(true);
    const text = renderLearningRateCurveText({ result });
    console.info(`\n${text}`);
    expect(text).toContain('suggested');
    tf.dispose([data.xs, data.ys, ...batches.flatMap((batch) => [batch.xs, batch.ys])]);
  });
});
