// TF-IDF + logistic-regression baseline (issue 28) on the fortunes topic set, on exactly the split
// `graft train <fortunes.jsonl> --backbone use-lite --split 0.7,0.15,0.15 --seed 0` uses (same
// reader, duplicate removal and seeded stratified split), so the encoder's value is measured
// against a bag-of-words model, not assumed. Accuracy figures: machine load does not matter.
//
// Run: node --conditions=@graft/source --import tsx tooling/bench/text/fortunes-tfidf-baseline.ts
// Needs Debian's `fortunes` package (apt-get install fortunes). Environment: TEXT_SEED (default 0).
import { selectTextExamples, splitTextExamples, withoutTextDuplicates } from '@graft/datasets';
import { readFortunesDataset } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const seed = Number(process.env.TEXT_SEED ?? 0);

/** Lower-case word tokens (letters, digits and inner apostrophes). */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/**
 * scikit-learn's `TfidfVectorizer(min_df=2, sublinear_tf=True)`: idf = ln((1 + n) / (1 + df)) + 1
 * fitted on the training texts, tf = 1 + ln(count), rows L2-normalised.
 */
function fitTfidf(texts: readonly string[]): (texts: readonly string[]) => Float32Array {
  const documentFrequency = new Map<string, number>();
  for (const text of texts) {
    for (const word of new Set(words(text))) {
      documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1);
    }
  }
  const vocabulary = new Map<string, number>();
  const idf: number[] = [];
  for (const [word, frequency] of [...documentFrequency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (frequency < 2) continue;
    vocabulary.set(word, idf.length);
    idf.push(Math.log((1 + texts.length) / (1 + frequency)) + 1);
  }
  transform.size = idf.length;
  function transform(batch: readonly string[]): Float32Array {
    const matrix = new Float32Array(batch.length * idf.length);
    batch.forEach((text, row) => {
      const counts = new Map<number, number>();
      for (const word of words(text)) {
        const column = vocabulary.get(word);
        if (column !== undefined) counts.set(column, (counts.get(column) ?? 0) + 1);
      }
      let norm = 0;
      for (const [column, count] of counts) {
        const value = (1 + Math.log(count)) * (idf[column] as number);
        matrix[row * idf.length + column] = value;
        norm += value * value;
      }
      norm = Math.sqrt(norm) || 1;
      for (const column of counts.keys()) matrix[row * idf.length + column] /= norm;
    });
    return matrix;
  }
  return transform;
}

/**
 * Multinomial logistic regression with L2 penalty `lambda`: 300 full-batch Adam steps (learning
 * rate 0.05) on the analytic gradient `Xᵀ(softmax(XW + b) − Y) / n + 2λW`; returns the accuracy
 * on each `evaluate` set.
 */
function logisticRegression(options: {
  train: { x: Float32Array; labels: readonly number[] };
  evaluate: { x: Float32Array; labels: readonly number[] }[];
  features: number;
  classes: number;
  lambda: number;
}): number[] {
  const { features, classes, lambda } = options;
  const count = options.train.labels.length;
  const x = tf.tensor2d(options.train.x, [count, features]);
  const y = tf.oneHot(tf.tensor1d(options.train.labels, 'int32'), classes);
  let weights: tf.Tensor2D = tf.zeros([features, classes]);
  let bias: tf.Tensor1D = tf.zeros([classes]);
  let moments = [
    tf.zerosLike(weights),
    tf.zerosLike(bias),
    tf.zerosLike(weights),
    tf.zerosLike(bias),
  ];
  const [rate, beta1, beta2, epsilon] = [0.05, 0.9, 0.999, 1e-8];
  for (let step = 1; step <= 300; step++) {
    const next = tf.tidy(() => {
      const error = tf.div(tf.sub(tf.softmax(tf.add(tf.matMul(x, weights), bias)), y), count);
      const gradients = [
        tf.add(tf.matMul(x, error, true, false), tf.mul(2 * lambda, weights)),
        tf.sum(error, 0),
      ];
      const [m1, m2, v1, v2] = moments as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const m = [
        tf.add(tf.mul(beta1, m1), tf.mul(1 - beta1, gradients[0] as tf.Tensor)),
        tf.add(tf.mul(beta1, m2), tf.mul(1 - beta1, gradients[1] as tf.Tensor)),
      ];
      const v = [
        tf.add(tf.mul(beta2, v1), tf.mul(1 - beta2, tf.square(gradients[0] as tf.Tensor))),
        tf.add(tf.mul(beta2, v2), tf.mul(1 - beta2, tf.square(gradients[1] as tf.Tensor))),
      ];
      const update = (index: number) =>
        tf.div(
          tf.mul(rate / (1 - beta1 ** step), m[index] as tf.Tensor),
          tf.add(tf.sqrt(tf.div(v[index] as tf.Tensor, 1 - beta2 ** step)), epsilon),
        );
      return {
        weights: tf.sub(weights, update(0)) as tf.Tensor2D,
        bias: tf.sub(bias, update(1)) as tf.Tensor1D,
        moments: [m[0], m[1], v[0], v[1]] as tf.Tensor[],
      };
    });
    tf.dispose([weights, bias, ...moments]);
    ({ weights, bias, moments } = next);
  }
  const accuracies = options.evaluate.map(({ x: values, labels }) =>
    tf.tidy(() => {
      const logits = tf.add(
        tf.matMul(tf.tensor2d(values, [labels.length, features]), weights),
        bias,
      );
      const predicted = tf.argMax(logits, 1).dataSync();
      return labels.filter((label, index) => predicted[index] === label).length / labels.length;
    }),
  );
  tf.dispose([weights, bias, x, y, ...moments]);
  return accuracies;
}

await initBackend({ prefer: 'wasm' });
const all = await readFortunesDataset();
const examples = selectTextExamples(all, withoutTextDuplicates(all));
const splits = splitTextExamples(examples, { fractions: [0.7, 0.15, 0.15], seed });
const transform = fitTfidf(splits.train.texts);
const features = (transform as unknown as { size: number }).size;
const encode = (part: typeof splits.train) => ({ x: transform(part.texts), labels: part.labels });
const train = encode(splits.train);
const validation = encode(splits.val);
const test = encode(splits.test as typeof splits.train);
// The penalty is chosen on the validation split, the test split is read once.
let best = { lambda: 0, validation: -1, test: 0 };
for (const lambda of [0, 1e-4, 1e-3]) {
  const [validationAccuracy, testAccuracy] = logisticRegression({
    train,
    evaluate: [validation, test],
    features,
    classes: examples.classNames.length,
    lambda,
  }) as [number, number];
  if (validationAccuracy > best.validation)
    best = { lambda, validation: validationAccuracy, test: testAccuracy };
}
console.log(
  JSON.stringify({
    baseline: 'tfidf(min_df=2, sublinear) + logistic regression',
    seed,
    classes: examples.classNames,
    examples: {
      train: train.labels.length,
      validation: validation.labels.length,
      test: test.labels.length,
    },
    duplicatesLeftOut: all.texts.length - examples.texts.length,
    vocabulary: features,
    ...best,
  }),
);
