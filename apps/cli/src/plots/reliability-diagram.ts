import type { CalibrationBin } from '@graft/trainer';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from './render-chart.js';

/** The reliability of one set of predictions: its bins and their ECE. */
export interface ReliabilityCurve {
  /** Legend label, e.g. `before (T = 1)`. */
  label: string;
  /** The confidence bins (`expectedCalibrationError(...).bins`). */
  bins: readonly CalibrationBin[];
  /** Their expected calibration error. */
  expectedCalibrationError: number;
}

/**
 * A reliability diagram (Guo et al. 2017, fig. 1): per confidence bin, the accuracy (a point
 * sized by how many images the bin holds) against the mean confidence, one colour per curve,
 * and the diagonal of perfect calibration. Empty bins are left out.
 */
export function reliabilityDiagramSpec(
  curves: readonly ReliabilityCurve[],
  title: string,
): TopLevelSpec {
  const values = curves.flatMap((curve) =>
    curve.bins
      .filter((bin) => bin.count > 0)
      .map((bin) => ({
        curve: `${curve.label}: ECE ${curve.expectedCalibrationError.toFixed(3)}`,
        confidence: bin.confidence,
        accuracy: bin.accuracy,
        images: bin.count,
      })),
  );
  const axis = { type: 'quantitative' as const, scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { confidence: 0, accuracy: 0 },
            { confidence: 1, accuracy: 1 },
          ],
        },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'confidence', ...axis, title: 'mean confidence in bin' },
          y: { field: 'accuracy', ...axis, title: 'accuracy in bin' },
        },
      },
      {
        data: { values },
        encoding: {
          x: { field: 'confidence', ...axis },
          y: { field: 'accuracy', ...axis },
          color: { field: 'curve', type: 'nominal', title: null, legend: { labelLimit: 400 } },
        },
        // The line alone (a size encoding would split it into one path per bin).
        layer: [
          { mark: { type: 'line' } },
          {
            mark: { type: 'point', filled: true },
            encoding: { size: { field: 'images', type: 'quantitative', title: 'images' } },
          },
        ],
      },
    ],
  };
}

/** {@link reliabilityDiagramSpec} rendered to an SVG document. */
export function renderReliabilityDiagram(
  curves: readonly ReliabilityCurve[],
  title: string,
): Promise<string> {
  return renderChart(reliabilityDiagramSpec(curves, title));
}
