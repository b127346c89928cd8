import type { LearningRateFinderResult } from '@graft/schedulers';
import type { TopLevelSpec } from 'vega-lite';

/**
 * `graft lr-find --plot`: the smoothed loss against the learning rate on a log axis (fastai's
 * `lr_find` plot), the raw batch losses faint behind it, and a rule at the suggested rate.
 */
export function learningRateCurveSpec(result: LearningRateFinderResult): TopLevelSpec {
  const values = result.learningRates.flatMap((learningRate, index) => [
    { learningRate, loss: result.losses[index], curve: 'smoothed loss' },
    { learningRate, loss: result.rawLosses[index], curve: 'batch loss' },
  ]);
  const x = {
    field: 'learningRate',
    type: 'quantitative',
    scale: { type: 'log' },
    axis: { format: '.0e' },
    title: 'learning rate',
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      result.suggestion === undefined
        ? `learning-rate range test (no suggestion: ${result.stopReason})`
        : `learning-rate range test (suggested ${result.suggestion.toPrecision(2)})`,
    width: 480,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: 'line' },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', title: 'loss' },
          color: { field: 'curve', type: 'nominal', title: null },
          opacity: {
            condition: { test: "datum.curve === 'batch loss'", value: 0.35 },
            value: 1,
          },
        },
      },
      ...(result.suggestion === undefined
        ? []
        : [
            {
              data: { values: [{ learningRate: result.suggestion }] },
              mark: { type: 'rule' as const, strokeDash: [4, 4], color: 'firebrick' },
              encoding: { x },
            },
          ]),
    ],
  };
}
