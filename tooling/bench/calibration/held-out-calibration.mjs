// Temperature scaling measured on images it was not fitted on: a run's model classifies a
// labelled split once (a calibrated run's temperature is undone first: log p × T are its
// logits up to a per-row shift); then, for `repeats` seeded
// random halvings of that split, T is fitted on one half and the 15-bin ECE / NLL measured on
// the other (both ways). Prints JSON. Usage:
//   node tooling/bench/calibration/held-out-calibration.mjs <run> <split-folder> [repeats]

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import {
  calibrationTemperature,
  expectedCalibrationError,
  fitTemperature,
  meanNegativeLogLikelihood,
  softmaxWithTemperature,
} from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';

const [run, folder, repeatsText] = process.argv.slice(2);
if (!run || !folder)
  throw new Error('usage: held-out-calibration.mjs <run> <split-folder> [repeats]');
const repeats = Number(repeatsText ?? 20);
await initBackend({ prefer: 'wasm' });
const classifier = await loadClassifier(join(run, 'model'));
const classNames = [...classifier.labels];
const files = [];
for (const [label, name] of classNames.entries()) {
  for (const file of (await readdir(join(folder, name))).sort()) {
    files.push({ path: join(folder, name, file), label });
  }
}
const preprocessing = classifier.metadata.graft.preprocessing;
const data = new FileImageDataset({
  files,
  classNames,
  imageSize: preprocessing.inputSize,
  resize: preprocessing.resize,
});
const parts = [];
const labels = [];
for await (const batch of data.batches({ batchSize: 16 })) {
  const probabilities = classifier.predictProbabilities(batch.images);
  parts.push(...(await probabilities.data()));
  labels.push(...(await batch.labels.data()));
  probabilities.dispose();
  batch.images.dispose();
  batch.labels.dispose();
}
const savedTemperature = calibrationTemperature(classifier.metadata);
classifier.dispose();
const classes = classNames.length;
// Log-probabilities are logits up to a per-row shift, which softmax ignores.
const logits = Float32Array.from(
  parts,
  (value) => Math.log(Math.max(value, 1e-38)) * savedTemperature,
);
const rows = labels.length;
const pick = (indices) => ({
  logits: Float32Array.from(
    indices.flatMap((row) => Array.from(logits.subarray(row * classes, (row + 1) * classes))),
  ),
  labels: indices.map((row) => labels[row]),
});
const measure = (subset, temperature) => ({
  ece: expectedCalibrationError({
    probabilities: softmaxWithTemperature(subset.logits, classes, temperature),
    labels: subset.labels,
    classes,
  }).expectedCalibrationError,
  nll: meanNegativeLogLikelihood(subset.logits, subset.labels, classes, temperature),
});
const all = pick([...Array(rows).keys()]);
const inSample = fitTemperature({ logits: all.logits, labels: all.labels, classes });
const heldOut = { before: { ece: 0, nll: 0 }, after: { ece: 0, nll: 0 }, temperatures: [] };
const random = new SeededRandom(0);
for (let repeat = 0; repeat < repeats; repeat++) {
  const order = [...Array(rows).keys()];
  for (let index = rows - 1; index > 0; index--) {
    const other = Math.floor(random.next() * (index + 1));
    [order[index], order[other]] = [order[other], order[index]];
  }
  const halves = [order.slice(0, rows >> 1), order.slice(rows >> 1)];
  for (const [fitOn, testOn] of [halves, [halves[1], halves[0]]]) {
    const fitting = pick(fitOn);
    const testing = pick(testOn);
    const fit = fitTemperature({ logits: fitting.logits, labels: fitting.labels, classes });
    const temperature = fit.atBound === 'lower' ? 1 : fit.temperature;
    heldOut.temperatures.push(temperature);
    for (const [key, value] of [
      ['before', measure(testing, 1)],
      ['after', measure(testing, temperature)],
    ]) {
      heldOut[key].ece += value.ece / (2 * repeats);
      heldOut[key].nll += value.nll / (2 * repeats);
    }
  }
}
const sorted = [...heldOut.temperatures].sort((a, b) => a - b);
console.log(
  JSON.stringify(
    {
      images: rows,
      savedTemperature,
      inSample: {
        temperature: inSample.temperature,
        before: measure(all, 1),
        after: measure(all, inSample.temperature),
      },
      heldOut: {
        halvings: repeats,
        before: heldOut.before,
        after: heldOut.after,
        temperature: { median: sorted[sorted.length >> 1], min: sorted[0], max: sorted.at(-1) },
      },
    },
    null,
    2,
  ),
);
