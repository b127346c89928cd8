import { SeededRandom } from '@graft/core';
import { softmaxWithTemperature } from '../calibration/fit-temperature.js';

/**
 * `rows` logits of a perfectly calibrated model: random logits, and each label drawn from
 * softmax(logits), so T = 1 is the true temperature.
 */
export function calibratedSample(rows: number, classes: number, seed: number) {
  const random = new SeededRandom(seed);
  const logits = new Float32Array(rows * classes);
  const labels = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < classes; column++) {
      logits[row * classes + column] = 3 * (random.next() * 2 - 1);
    }
    const probabilities = softmaxWithTemperature(
      logits.subarray(row * classes, (row + 1) * classes),
      classes,
      1,
    );
    let draw = random.next();
    let label = classes - 1;
    for (let column = 0; column < classes; column++) {
      draw -= probabilities[column] as number;
      if (draw < 0) {
        label = column;
        break;
      }
    }
    labels[row] = label;
  }
  return { logits, labels };
}
