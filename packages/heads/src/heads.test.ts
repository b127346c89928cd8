import '@tensorflow/tfjs-backend-cpu';
import {
  type Head,
  InvalidArgumentError,
  type JsonObject,
  SeededRandom,
  UnknownNameError,
} from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHead, headFromConfig, listHeads, registerHead } from './head-registry.js';
import { linearHead } from './heads/linear.js';
import { type MlpHeadOptions, mlpHead } from './heads/mlp.js';
import { multiLabelHead } from './heads/multi-label.js';

const created: Head[] = [];
function keep(head: Head): Head {
  created.push(head);
  return head;
}

function weightsOf(head: Head): Float32Array[] {
  return head.model.getWeights().map((weight) => weight.dataSync() as Float32Array);
}

/** Gaussian clusters around random class centres: linearly separable features with noise. */
function clusters(options: {
  count: number;
  featureDim: number;
  numClasses: number;
  seed: number;
}) {
  const random = new SeededRandom(options.seed);
  const centres = new SeededRandom(7);
  const means = Array.from({ length: options.numClasses }, () =>
    Array.from({ length: options.featureDim }, () => centres.normal(0, 1)),
  );
  const features: number[] = [];
  const labels: number[] = [];
  for (let index = 0; index < options.count; index++) {
    const label = random.int(0, options.numClasses - 1);
    labels.push(label);
    for (const value of means[label] as number[]) features.push(value + random.normal(0, 0.6));
  }
  return { features, labels };
}

describe('heads', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    for (const head of created.splice(0)) head.dispose();
  });

  it('types createHead by name and accepts typed option objects', () => {
    const options: MlpHeadOptions = { featureDim: 4, numClasses: 2, hiddenUnits: [3], seed: 1 };
    const head = keep(createHead('mlp', options));
    expect(head.getConfig()).toMatchObject({ name: 'mlp', hiddenUnits: [3] });
  });

  it('lists the built-in heads', () => {
    expect(listHeads()).toEqual(expect.arrayContaining(['linear', 'mlp', 'multi-label']));
  });

  it('maps [N, featureDim] to [N, numClasses] probabilities', () => {
    const features = tf.randomNormal([5, 12], 0, 1, 'float32', 3);
    const heads = [
      keep(linearHead({ featureDim: 12, numClasses: 4, seed: 1 })),
      keep(
        mlpHead({
          featureDim: 12,
          numClasses: 4,
          seed: 1,
          hiddenUnits: [16, 8],
          batchNormalization: true,
        }),
      ),
      keep(mlpHead({ featureDim: 12, numClasses: 4, seed: 1 })),
      keep(multiLabelHead({ featureDim: 12, numClasses: 4, seed: 1 })),
    ];
    for (const head of heads) {
      const output = head.model.predict(features) as tf.Tensor;
      expect(output.shape).toEqual([5, 4]);
      const values = output.arraySync() as number[][];
      const sums = values.map((row) => row.reduce((sum, value) => sum + value, 0));
      for (const row of values) for (const value of row) expect(value).toBeGreaterThan(0);
      if (head.activation === 'softmax') {
        for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
      } else {
        // Independent sigmoids: rows do not sum to one.
        expect(sums.some((sum) => Math.abs(sum - 1) > 0.05)).toBe(true);
      }
      output.dispose();
    }
    expect(heads[0]?.activation).toBe('softmax');
    expect(heads[3]?.activation).toBe('sigmoid');
    features.dispose();
  });

  it('builds the classic MLP: Dense(1024, relu) → Dropout → Dense(N, softmax) by default', () => {
    const head = keep(mlpHead({ featureDim: 8, numClasses: 3, seed: 2 }));
    const layers = head.model.layers.map((layer) => layer.getClassName());
    expect(layers).toEqual(['InputLayer', 'Dense', 'Activation', 'Dropout', 'Dense']);
    expect(head.model.outputShape).toEqual([null, 3]);
    expect(head.model.layers[1]?.countParams()).toBe(8 * 1024 + 1024);
    const withNorm = keep(
      mlpHead({
        featureDim: 8,
        numClasses: 3,
        seed: 2,
        hiddenUnits: [4],
        batchNormalization: true,
        dropout: 0,
      }),
    );
    expect(withNorm.model.layers.map((layer) => layer.getClassName())).toEqual([
      'InputLayer',
      'Dense',
      'BatchNormalization',
      'Activation',
      'Dense',
    ]);
  });

  it('rebuilds an equal head from its JSON config, with the same initial weights', () => {
    const options = {
      featureDim: 6,
      numClasses: 3,
      hiddenUnits: [5],
      dropout: 0.1,
      batchNormalization: true,
    };
    for (const head of [
      keep(createHead('mlp', options)),
      keep(createHead('linear', { featureDim: 6, numClasses: 3, dropout: 0.3 })),
      keep(createHead('multi-label', { ...options, hiddenActivation: 'gelu' })),
    ]) {
      const config = JSON.parse(JSON.stringify(head.getConfig())) as JsonObject;
      expect(config).toMatchObject({ name: head.name, featureDim: 6, numClasses: 3 });
      expect(typeof config.seed).toBe('number');
      const rebuilt = keep(headFromConfig(config));
      expect(rebuilt.getConfig()).toEqual(config);
      expect(rebuilt.activation).toBe(head.activation);
      expect(weightsOf(rebuilt)).toEqual(weightsOf(head));
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = keep(mlpHead({ featureDim: 10, numClasses: 4, hiddenUnits: [7], seed: 11 }));
    const b = keep(mlpHead({ featureDim: 10, numClasses: 4, hiddenUnits: [7], seed: 11 }));
    const c = keep(mlpHead({ featureDim: 10, numClasses: 4, hiddenUnits: [7], seed: 12 }));
    expect(weightsOf(a)).toEqual(weightsOf(b));
    expect(weightsOf(a)[0]).not.toEqual(weightsOf(c)[0]);
    // Hidden and output kernels get their own seeds.
    const kernels = weightsOf(a);
    expect(Array.from(kernels[0]?.slice(0, 4) ?? [])).not.toEqual(
      Array.from(kernels[2]?.slice(0, 4) ?? []),
    );
  });

  it('learns separable synthetic features to high held-out accuracy', async () => {
    const featureDim = 24;
    const numClasses = 5;
    const train = clusters({ count: 400, featureDim, numClasses, seed: 1 });
    const test = clusters({ count: 200, featureDim, numClasses, seed: 2 });
    for (const head of [
      keep(linearHead({ featureDim, numClasses, seed: 3 })),
      keep(
        mlpHead({ featureDim, numClasses, seed: 3, hiddenUnits: [32], batchNormalization: true }),
      ),
    ]) {
      const xs = tf.tensor2d(train.features, [400, featureDim]);
      const ys = tf.oneHot(tf.tensor1d(train.labels, 'int32'), numClasses);
      head.model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const before = evaluate(head, test, featureDim);
      await head.model.fit(xs, ys, { epochs: 15, batchSize: 32, shuffle: false, verbose: 0 });
      const after = evaluate(head, test, featureDim);
      expect(before).toBeLessThan(0.6);
      expect(after).toBeGreaterThan(0.95);
      tf.dispose([xs, ys]);
    }
  });

  it('trains a multi-label head with binary cross-entropy', async () => {
    const random = new SeededRandom(5);
    const count = 300;
    const features: number[] = [];
    const targets: number[] = [];
    for (let index = 0; index < count; index++) {
      const row = [random.normal(), random.normal(), random.normal(), random.normal()];
      features.push(...row);
      // Label j is on when feature j is positive: several labels per row.
      targets.push(...row.slice(0, 3).map((value) => (value > 0 ? 1 : 0)));
    }
    const head = keep(multiLabelHead({ featureDim: 4, numClasses: 3, seed: 1 }));
    const xs = tf.tensor2d(features, [count, 4]);
    const ys = tf.tensor2d(targets, [count, 3]);
    head.model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
    await head.model.fit(xs, ys, { epochs: 30, batchSize: 32, verbose: 0 });
    const predicted = tf.tidy(() => tf.greater(head.model.predict(xs) as tf.Tensor, 0.5));
    const agreement = tf.tidy(() =>
      tf.mean(tf.cast(tf.equal(predicted, tf.cast(ys, 'bool')), 'float32')),
    );
    expect(agreement.dataSync()[0]).toBeGreaterThan(0.95);
    tf.dispose([xs, ys, predicted, agreement]);
  });

  it('leaks no tensors when predicting, or when creating and disposing heads', async () => {
    const head = keep(
      mlpHead({
        featureDim: 8,
        numClasses: 3,
        seed: 1,
        batchNormalization: true,
        hiddenUnits: [8],
      }),
    );
    await expectNoTensorLeaks(() =>
      tf.tidy(() => head.model.predict(tf.ones([2, 8])) as tf.Tensor),
    );
    await expectNoTensorLeaks(() => {
      mlpHead({ featureDim: 8, numClasses: 3, seed: 1, batchNormalization: true }).dispose();
      linearHead({ featureDim: 8, numClasses: 3, seed: 1 }).dispose();
    });
  });

  it('rejects bad options naming the argument and value', () => {
    const cases: Array<[() => unknown, string, unknown]> = [
      [() => linearHead({ featureDim: 0, numClasses: 3 }), 'featureDim', 0],
      [() => mlpHead({ featureDim: 4, numClasses: 2.5 }), 'numClasses', 2.5],
      [() => mlpHead({ featureDim: 4, numClasses: 2, dropout: 1 }), 'dropout', 1],
      [() => mlpHead({ featureDim: 4, numClasses: 2, hiddenUnits: [0] }), 'hiddenUnits', [0]],
      [
        () => createHead('mlp', { featureDim: 4, numClasses: 2, hidenUnits: [3] }),
        'hidenUnits',
        [3],
      ],
      [
        () => createHead('mlp', { featureDim: 4, numClasses: 2, hiddenActivation: 'sin' }),
        'hiddenActivation',
        'sin',
      ],
    ];
    for (const [action, argument, value] of cases) {
      let caught: unknown;
      try {
        action();
      } catch (error) {
        caught = error;
      }
      expect(InvalidArgumentError.isInstance(caught), argument).toBe(true);
      expect((caught as InvalidArgumentError).argument).toBe(argument);
      expect((caught as InvalidArgumentError).value).toEqual(value);
    }
    expect(() => createHead('mpl', { featureDim: 4, numClasses: 2 })).toThrow(UnknownNameError);
    expect(() => createHead('mpl', { featureDim: 4, numClasses: 2 })).toThrow(/Did you mean "mlp"/);
  });

  it('accepts user-registered heads', () => {
    registerHead({
      name: 'test-identity-softmax',
      description: 'softmax of the features',
      create: (options) => {
        const input = tfl.input({ shape: [options.featureDim] });
        const output = tfl.layers.softmax().apply(input) as tfl.SymbolicTensor;
        const model = tfl.model({ inputs: input, outputs: output });
        return {
          name: 'test-identity-softmax',
          activation: 'softmax',
          model,
          getConfig: () => ({
            name: 'test-identity-softmax',
            featureDim: options.featureDim,
            numClasses: options.numClasses,
          }),
          dispose: () => model.dispose(),
        };
      },
    });
    const head = keep(
      headFromConfig({ name: 'test-identity-softmax', featureDim: 3, numClasses: 3 }),
    );
    expect(head.model.outputShape).toEqual([null, 3]);
  });
});

function evaluate(
  head: Head,
  data: { features: number[]; labels: number[] },
  featureDim: number,
): number {
  return tf.tidy(() => {
    const xs = tf.tensor2d(data.features, [data.labels.length, featureDim]);
    const predicted = tf.argMax(head.model.predict(xs) as tf.Tensor, 1);
    const correct = tf.sum(
      tf.cast(tf.equal(predicted, tf.tensor1d(data.labels, 'int32')), 'float32'),
    );
    return (correct.dataSync()[0] as number) / data.labels.length;
  });
}
