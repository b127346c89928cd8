import type { EvaluationReport } from '@graft/trainer';
import { formatTable } from '../format-table.js';

/** The per-class table and the confusion matrix `graft eval` prints, for images and text alike. */
export function formatClassReport(
  report: Pick<EvaluationReport, 'perClass' | 'classNames' | 'confusionMatrix'>,
): string {
  return [
    formatTable(
      ['class', 'precision', 'recall', 'f1', 'support'],
      report.perClass.map((metrics) => [
        metrics.className,
        metrics.precision.toFixed(3),
        metrics.recall.toFixed(3),
        metrics.f1.toFixed(3),
        metrics.support,
      ]),
    ),
    '',
    'confusion (rows: true, columns: predicted)',
    formatTable(
      ['', ...report.classNames],
      report.confusionMatrix.map((row, index) => [report.classNames[index] ?? '', ...row]),
    ),
  ].join('\n');
}
