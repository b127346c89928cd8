import { describe, expect, it } from 'vitest';
import { renderReliabilityDiagram } from './reliability-diagram.js';

describe('renderReliabilityDiagram', () => {
  it('draws one line per curve through its non-empty bins, with the ECE in the legend', async () => {
    const bins = (points: [number, number, number][]) =>
      points.map(([confidence, accuracy, count], index) => ({
        lower: index / 15,
        upper: (index + 1) / 15,
        confidence,
        accuracy,
        count,
      }));
    const svg = await renderReliabilityDiagram(
      [
        {
          label: 'before (T = 1)',
          bins: bins([
            [0.6, 0.5, 4],
            [0, 0, 0],
            [0.95, 0.8, 20],
          ]),
          expectedCalibrationError: 0.1234,
        },
        {
          label: 'after (T = 1.50)',
          bins: bins([[0.8, 0.79, 24]]),
          expectedCalibrationError: 0.01,
        },
      ],
      'reliability',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('before (T = 1): ECE 0.123');
    expect(svg).toContain('after (T = 1.50): ECE 0.010');
    // Paths with a segment: the diagonal and "before" (two bins; the empty one is left out).
    expect(svg.match(/aria-roledescription="line mark" d="M[^"]*L/g)?.length).toBe(2);
    expect(svg.match(/aria-roledescription="point"/g)?.length).toBe(3);
  });
});
