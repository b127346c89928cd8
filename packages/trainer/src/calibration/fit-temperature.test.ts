import { describe, expect, it } from 'vitest';
import { calibratedSample } from '../testing/calibrated-sample.js';
import { fitTemperature, meanNegativeLogLikelihood } from './fit-temperature.js';

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
