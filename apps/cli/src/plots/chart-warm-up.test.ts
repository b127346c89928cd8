import { describe, expect, it } from 'vitest';
import { chartWarmUpSpec } from './chart-warm-up.js';
import { renderChartHere } from './render-chart-here.js';

describe('chartWarmUpSpec', () => {
  it('renders (the chart thread swallows a failure, so it is checked here), with every mark', async () => {
    const svg = await renderChartHere(chartWarmUpSpec);
    expect(svg).toMatch(/^<svg/);
    // Lines, points, the rule, the heatmap's rects and its counts.
    for (const role of ['line', 'symbol', 'rule', 'rect', 'text']) {
      expect(svg).toContain(`mark-${role}`);
    }
  }, 30_000);
});
