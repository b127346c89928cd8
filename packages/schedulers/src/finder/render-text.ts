import { plot } from 'asciichart';
import type { LearningRateFinderResult } from './find-learning-rate.js';
import { formatRate, plotRange } from './plot-range.js';

/** Options of {@link renderLearningRateCurveText}. */
export interface RenderTextOptions {
  /** The range test's result. */
  result: Pick<LearningRateFinderResult, 'learningRates' | 'losses' | 'suggestion'>;
  /** Columns of the curve (the learning-rate axis is resampled to this). Default 60. */
  width?: number;
  /** Rows of the curve. Default 12. */
  height?: number;
}

/**
 * The curve as terminal text (asciichart), for the CLI: smoothed loss against the learning rate
 * on a log axis, a `^` under the suggestion, and the axis's end labels. No colours, so it can be
 * logged or snapshotted.
 */
export function renderLearningRateCurveText(options: RenderTextOptions): string {
  const width = Math.max(2, Math.floor(options.width ?? 60));
  const height = Math.max(2, Math.floor(options.height ?? 12));
  const { learningRates, losses, suggestion } = options.result;
  if (losses.length === 0) return '(no range-test steps were run)';
  const range = plotRange(options.result);
  const logs = learningRates.map((rate) => Math.log10(rate));
  // Resample on an even log(lr) grid, holding the nearest earlier point; clip the blow-up.
  const series = Array.from({ length: width }, (_, column) => {
    const target = range.logMin + ((range.logMax - range.logMin) * column) / (width - 1);
    let index = 0;
    while (index + 1 < logs.length && (logs[index + 1] as number) <= target + 1e-12) index++;
    const loss = losses[index] as number;
    return Number.isFinite(loss) ? Math.min(loss, range.lossMax) : range.lossMax;
  });
  const labelWidth = 10;
  const chart = plot(series, {
    height,
    min: range.lossMin,
    max: range.lossMax,
    format: (value: number) => value.toPrecision(3).padStart(labelWidth),
  });
  // asciichart puts the series after the label and a 2-character axis.
  const offset = labelWidth + 2;
  const lines = [chart];
  if (suggestion !== undefined) {
    const column = Math.round(
      ((Math.log10(suggestion) - range.logMin) / (range.logMax - range.logMin)) * (width - 1),
    );
    lines.push(`${' '.repeat(offset + column)}^ suggested ${formatRate(suggestion)}`);
  }
  const left = formatRate(learningRates[0] as number);
  const right = formatRate(learningRates.at(-1) as number);
  lines.push(
    `${' '.repeat(offset)}${left}${' '.repeat(Math.max(1, width - left.length - right.length))}${right}  (learning rate, log scale)`,
  );
  return lines.join('\n');
}
