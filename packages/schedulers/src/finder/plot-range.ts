import type { LearningRateFinderResult } from './find-learning-rate.js';

/** The part of a range-test curve worth plotting, shared by the SVG and text renderers. */
export interface PlotRange {
  /** log10 of the first and last learning rate. */
  logMin: number;
  logMax: number;
  /** Loss axis: from the lowest loss to the highest one seen before the minimum (the divergence tail is cut). */
  lossMin: number;
  lossMax: number;
}

/** Axis ranges for a curve; throws nothing, even for a one-point or flat curve. */
export function plotRange(
  result: Pick<LearningRateFinderResult, 'learningRates' | 'losses'>,
): PlotRange {
  const { learningRates, losses } = result;
  const finite = losses.filter((loss) => Number.isFinite(loss));
  const lossMin = finite.length > 0 ? Math.min(...finite) : 0;
  const bestIndex = losses.indexOf(lossMin);
  const head = losses.slice(0, Math.max(bestIndex, 0) + 1).filter((loss) => Number.isFinite(loss));
  let lossMax = head.length > 0 ? Math.max(...head) : lossMin;
  if (lossMax - lossMin < 1e-12) lossMax = lossMin + Math.max(Math.abs(lossMin) * 0.1, 1e-6);
  const first = learningRates[0] ?? 1;
  const last = learningRates.at(-1) ?? first;
  let logMin = Math.log10(first);
  let logMax = Math.log10(last);
  if (logMax - logMin < 1e-12) {
    logMin -= 0.5;
    logMax += 0.5;
  }
  return { logMin, logMax, lossMin, lossMax };
}

/** `1e-3`, `3.2e-2`: short learning-rate labels. */
export function formatRate(rate: number): string {
  const [mantissa, exponent] = rate.toExponential(1).split('e');
  const trimmed = mantissa === undefined ? '' : mantissa.replace(/\.0$/, '');
  return `${trimmed}e${Number(exponent)}`;
}
