import type { EvaluationReport } from '@graft/trainer';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';
import { formatNumber } from '../progress/progress-renderer.js';
import { multiLabelSummaryRows } from './multi-label-summary.js';
import type { FeatureCacheReport } from './training-feature-cache.js';

/** What a finished run reports (printed as a table, or as JSON with --json). */
export interface TrainingSummary {
  run: string;
  backend: string;
  backbone: string;
  mode: string;
  data: string;
  classes: readonly string[];
  images: { train: number; validation: number; test: number };
  epochs: number;
  bestEpoch: number | undefined;
  stopReason: string | undefined;
  validation: Pick<EvaluationReport, SummaryMetric | 'multiLabel'> | undefined;
  test: Pick<EvaluationReport, SummaryMetric | 'multiLabel'> | undefined;
  seconds: { total: number; extraction: number | undefined; training: number };
  /** Frozen features: how many came from the disk cache, how many were computed. */
  featureCache?: FeatureCacheReport;
}

/** The metrics a run's summary shows. */
type SummaryMetric = 'accuracy' | 'balancedAccuracy' | 'macroF1' | 'loss';

/** The metrics of a report that a summary shows. */
export function summaryMetrics(
  report: EvaluationReport | undefined,
): Pick<EvaluationReport, SummaryMetric | 'multiLabel'> | undefined {
  return report
    ? {
        accuracy: report.accuracy,
        balancedAccuracy: report.balancedAccuracy,
        macroF1: report.macroF1,
        loss: report.loss,
        ...(report.multiLabel ? { multiLabel: report.multiLabel } : {}),
      }
    : undefined;
}

/** Prints the summary table (or JSON). */
export function printSummary(output: CommandOutput, summary: TrainingSummary): void {
  if (output.json) {
    output.result(JSON.stringify(summary, null, 2));
    return;
  }
  const percent = (value: number | undefined) =>
    value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['run', summary.run],
    ['backbone', `${summary.backbone} (${summary.mode}, ${summary.backend})`],
    ['classes', summary.classes.join(', ')],
    [
      'images',
      `${summary.images.train} train / ${summary.images.validation} val / ${summary.images.test} test`,
    ],
    [
      'epochs',
      `${summary.epochs}${summary.bestEpoch !== undefined ? ` (best ${summary.bestEpoch})` : ''}${summary.stopReason ? `, ${summary.stopReason}` : ''}`,
    ],
    ...(summary.validation?.multiLabel
      ? multiLabelSummaryRows(summary.validation.multiLabel)
      : ([
          ['val accuracy', percent(summary.validation?.accuracy)],
          ['val balanced accuracy', percent(summary.validation?.balancedAccuracy)],
          ['val macro-F1', percent(summary.validation?.macroF1)],
        ] as [string, string][])),
    ['val loss', summary.validation ? formatNumber(summary.validation.loss) : '-'],
    ...(summary.test
      ? ([
          ['test accuracy', percent(summary.test.accuracy)],
          ['test balanced accuracy', percent(summary.test.balancedAccuracy)],
          ['test macro-F1', percent(summary.test.macroF1)],
        ] as [string, string][])
      : []),
    ...(summary.featureCache
      ? ([
          [
            'features',
            `${summary.featureCache.fromCache} from cache, ${summary.featureCache.computed} computed${summary.featureCache.enabled ? '' : ' (cache off)'}`,
          ],
        ] as [string, string][])
      : []),
    [
      'time',
      `${summary.seconds.total.toFixed(1)}s${summary.seconds.extraction !== undefined ? ` (features ${summary.seconds.extraction.toFixed(1)}s, epochs ${summary.seconds.training.toFixed(1)}s)` : ''}`,
    ],
  ];
  output.result(formatTable(['', 'result'], rows));
}
