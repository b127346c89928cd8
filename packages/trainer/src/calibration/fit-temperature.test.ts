import { SeededRandom } from '@graft/core';
import { describe, expect, it } from 'vitest';
import {
  fitTemperature,
  meanNegativeLogLikelihood,
  softmaxWithTemperature,
} from './fit-temperature.js';

/**
 * `rows` logits of a perfectly calibrated model: random logits, and each label drawn from
 * softmax(logits), so T = 1 is the true temperature.
 */
function calibratedSample(rows: number, classes: number, seed: number) {
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

describe('fitTemperature', () => {
  it('recovers a known factor k from a calibrated model whose logits were multiplied by k', () => {
    const classes = 4;
    const { logits, labels } = calibratedSample(4000, classes, 7);
    for (const factor of [0.5, 2, 3]) {
      const scaled = logits.map((value) => value * factor);
      const fit = fitTemperature({ logits: scaled, labels, classes });
      expect(Math.abs(fit.temperature / factor - 1)).toBeLessThan(0.05);
      expect(fit.atBound).toBeUndefined();
      expect(fit.negativeLogLikelihood.after).toBeLessThan(fit.negativeLogLikelihood.before);
    }
  });

  it('finds the minimum of the NLL: no neighbouring temperature does better', () => {
    const { logits, labels } = calibratedSample(500, 3, 11);
    const fit = fitTemperature({ logits: logits.map((value) => value * 1.7), labels, classes: 3 });
    const scaled = logits.map((value) => value * 1.7);
    const at = (temperature: number) => meanNegativeLogLikelihood(scaled, labels, 3, temperature);
    expect(fit.negativeLogLikelihood.after).toBeCloseTo(at(fit.temperature), 12);
    expect(at(fit.temperature * 1.01)).toBeGreaterThan(fit.negativeLogLikelihood.after);
    expect(at(fit.temperature / 1.01)).toBeGreaterThan(fit.negativeLogLikelihood.after);
    expect(fit.negativeLogLikelihood.before).toBeCloseTo(at(1), 12);
  });

  it('flags separable data (every row right) at the lower bound', () => {
    const fit = fitTemperature({
      logits: [2, 0, 0, 3, 1, -1],
      labels: [0, 1, 0],
      classes: 2,
    });
    expect(fit.atBound).toBe('lower');
    expect(fit.temperature).toBeCloseTo(0.05, 5);
  });

  it('gives the hand-computed NLL and rejects bad input, naming the argument', () => {
    // Logits [0, ln 3]: softmax [0.25, 0.75]; label 1 → −ln 0.75.
    expect(meanNegativeLogLikelihood([0, Math.log(3)], [1], 2, 1)).toBeCloseTo(-Math.log(0.75), 12);
    expect(() => fitTemperature({ logits: [1, 2, 3], labels: [0], classes: 2 })).toThrow(/logits/);
    expect(() => fitTemperature({ logits: [], labels: [], classes: 2 })).toThrow(/labels/);
    expect(() => fitTemperature({ logits: [1, 2], labels: [0], classes: 2, minimum: 0 })).toThrow(
      /minimum/,
    );
  });
});
