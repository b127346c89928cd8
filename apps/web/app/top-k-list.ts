import type { Prediction } from '@graft/trainer';
import { element } from './dom.js';
import { bar } from './evaluation-report-view.js';

/** One image's predictions as bars; a multi-label model's labels over the threshold ticked. */
export function topKList(
  predictions: Prediction[],
  multiLabel: boolean,
  threshold: number,
): HTMLElement {
  return element(
    'ol',
    { class: 'topk' },
    predictions.map((prediction) =>
      element(
        'li',
        {
          'data-label': prediction.label,
          'data-probability': String(prediction.probability),
          ...(multiLabel
            ? { 'data-over-threshold': String(prediction.probability >= threshold) }
            : {}),
        },
        [
          element('span', {
            text: `${multiLabel && prediction.probability >= threshold ? '✓ ' : ''}${prediction.label} ${(prediction.probability * 100).toFixed(1)}%`,
          }),
          bar(prediction.probability),
        ],
      ),
    ),
  );
}
