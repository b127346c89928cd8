import type { LearningRateFinderResult } from './find-learning-rate.js';
import { formatRate, plotRange } from './plot-range.js';

/** Options of {@link renderLearningRateCurveSvg}. */
export interface RenderSvgOptions {
  /** The range test's result. */
  result: Pick<LearningRateFinderResult, 'learningRates' | 'losses' | 'suggestion'>;
  /** Width in pixels. Default 640. */
  width?: number;
  /** Height in pixels. Default 360. */
  height?: number;
  /** Title above the plot. Default `Learning-rate range test`. */
  title?: string;
}

/**
 * A standalone SVG (a string, no dependency) of the smoothed loss against the learning rate on a
 * log axis, with the suggestion marked; the divergence tail is clipped off the top.
 */
export function renderLearningRateCurveSvg(options: RenderSvgOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const title = options.title ?? 'Learning-rate range test';
  const { learningRates, losses, suggestion } = options.result;
  const margin = { left: 64, right: 20, top: 36, bottom: 48 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const range = plotRange(options.result);
  const x = (rate: number) =>
    margin.left + ((Math.log10(rate) - range.logMin) / (range.logMax - range.logMin)) * plotWidth;
  const y = (loss: number) =>
    margin.top + (1 - (loss - range.lossMin) / (range.lossMax - range.lossMin)) * plotHeight;
  const number = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '0');

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<defs><clipPath id="plot-area"><rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}"/></clipPath></defs>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  );
  for (let decade = Math.ceil(range.logMin); decade <= Math.floor(range.logMax); decade++) {
    const position = number(x(10 ** decade));
    parts.push(
      `<line x1="${position}" y1="${margin.top}" x2="${position}" y2="${margin.top + plotHeight}" stroke="#eee"/>`,
      `<text x="${position}" y="${margin.top + plotHeight + 16}" text-anchor="middle">1e${decade}</text>`,
    );
  }
  for (let tick = 0; tick <= 4; tick++) {
    const loss = range.lossMin + ((range.lossMax - range.lossMin) * tick) / 4;
    parts.push(
      `<text x="${margin.left - 6}" y="${number(y(loss) + 4)}" text-anchor="end">${loss.toPrecision(3)}</text>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle">learning rate (log scale)</text>`,
    `<text x="16" y="${margin.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotHeight / 2})">smoothed loss</text>`,
  );
  const points = learningRates
    .map((rate, index) => [rate, losses[index] as number] as const)
    .filter(([, loss]) => Number.isFinite(loss))
    .map(([rate, loss]) => `${number(x(rate))},${number(y(loss))}`);
  if (points.length > 0) {
    parts.push(
      `<polyline clip-path="url(#plot-area)" fill="none" stroke="#1f77b4" stroke-width="2" points="${points.join(' ')}"/>`,
    );
  }
  if (suggestion !== undefined) {
    const position = number(x(suggestion));
    const index = learningRates.indexOf(suggestion);
    const loss = losses[index];
    parts.push(
      `<line x1="${position}" y1="${margin.top}" x2="${position}" y2="${margin.top + plotHeight}" stroke="#d62728" stroke-dasharray="4 3"/>`,
      `<text x="${position}" y="${margin.top - 4}" text-anchor="middle" fill="#d62728">suggested ${formatRate(suggestion)}</text>`,
    );
    if (loss !== undefined && Number.isFinite(loss)) {
      parts.push(`<circle cx="${position}" cy="${number(y(loss))}" r="4" fill="#d62728"/>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
