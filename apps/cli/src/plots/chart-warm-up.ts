import type { TopLevelSpec } from 'vega-lite';

/**
 * A small chart with every mark and scale kind a run draws (lines with points, a dashed rule,
 * a heatmap of rects with text, colour by name and by value, quantitative and nominal axes):
 * rendered once by the chart thread while the run still trains, so Vega's parse, dataflow and
 * SVG code is compiled before the run's own charts are asked for at its end.
 */
export const chartWarmUpSpec: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  hconcat: [
    {
      width: 120,
      height: 80,
      data: {
        values: [1, 2, 3].flatMap((epoch) =>
          ['loss', 'val_loss'].map((metric) => ({ epoch, value: 1 / epoch, metric })),
        ),
      },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
            y: { field: 'value', type: 'quantitative', axis: { format: '.1e' } },
            color: { field: 'metric', type: 'nominal', title: null },
          },
        },
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: 'firebrick' },
          encoding: { x: { datum: 2 } },
        },
        {
          mark: { type: 'point', filled: true },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
          },
        },
      ],
    },
    {
      width: 72,
      height: 72,
      data: {
        values: ['a', 'b'].flatMap((actual) =>
          ['a', 'b'].map((predicted) => ({
            actual,
            predicted,
            count: actual === predicted ? 9 : 1,
          })),
        ),
      },
      encoding: {
        x: { field: 'predicted', type: 'nominal' },
        y: { field: 'actual', type: 'nominal' },
      },
      layer: [
        {
          mark: 'rect',
          encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } },
        },
        { mark: 'text', encoding: { text: { field: 'count', type: 'quantitative' } } },
      ],
    },
  ],
};
