import { describe, expect, it } from 'vitest';
import { exponentialRamp } from './curve.js';
import { renderLearningRateCurveSvg } from './render-svg.js';
import { renderLearningRateCurveText } from './render-text.js';

// A textbook range-test curve: flat, falls, bottoms out, blows up.
const learningRates = exponentialRamp(1e-6, 1, 61);
const losses = learningRates.map((rate) => {
  const position = Math.log10(rate);
  if (position < -4) return 2;
  if (position < -1) return 2 - (position + 4) * 0.5;
  return 0.5 + (position + 1) * 40;
});
const result = { learningRates, losses, suggestion: learningRates[30] as number };

describe('range-test plots', () => {
  it('renders a standalone SVG with decade ticks, the curve and the suggestion', () => {
    const svg = renderLearningRateCurveSvg({ result, title: 'Spirals <MLP> & Adam' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Spirals &lt;MLP&gt; &amp; Adam');
    for (let decade = -6; decade <= 0; decade++) expect(svg).toContain(`>1e${decade}</text>`);
    const polyline = /<polyline[^>]*points="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(polyline.split(' ')).toHaveLength(61);
    expect(svg).toContain('suggested 1e-3');
    expect(svg).toContain('<circle');
  });

  it('renders terminal text: a falling curve, the clipped blow-up and the marker', () => {
    const text = renderLearningRateCurveText({ result, width: 40, height: 8 });
    const lines = text.split('\n');
    // 9 chart rows (height + 1), the marker and the axis labels.
    expect(lines).toHaveLength(11);
    expect(lines[0]).toContain('2.00');
    expect(lines[8]).toContain('0.500');
    const marker = lines[9] as string;
    expect(marker.trim()).toBe('^ suggested 1e-3');
    // The suggestion is half-way along the log axis.
    expect(marker.indexOf('^') - 12).toBe(Math.round(39 / 2));
    expect(lines[10]).toContain('1e-6');
    expect(lines[10]).toContain('1e0');
    expect(
      renderLearningRateCurveText({
        result: { learningRates: [], losses: [], suggestion: undefined },
      }),
    ).toMatch(/no range-test steps/);
  });
});
