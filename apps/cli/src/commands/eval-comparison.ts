import {
  type EvaluationReport,
  expectedCalibrationError,
  type TestTimeAugmentation,
} from '@graft/trainer';
import { formatTable } from '../format-table.js';

/** The headline figures of one evaluation, as `graft eval` compares them. */
export interface EvaluationSummary {
  /** Accuracy. */
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  /** Macro-averaged F1. */
  macroF1: number;
  /** Expected calibration error, 15 bins. */
  expectedCalibrationError: number;
}

/** The summary of a report, with the ECE (15 bins) of the probabilities it came from. */
export function summarizeEvaluation(
  report: EvaluationReport,
  probabilities: Float32Array,
  targets: readonly number[],
): EvaluationSummary {
  return {
    accuracy: report.accuracy,
    loss: report.loss,
    macroF1: report.macroF1,
    expectedCalibrationError: expectedCalibrationError({
      probabilities,
      labels: targets,
      classes: report.classNames.length,
    }).expectedCalibrationError,
  };
}

/** The plain and test-time-augmented figures side by side, for the console. */
export function formatTtaComparison(
  plain: EvaluationSummary,
  augmented: EvaluationSummary,
  views: TestTimeAugmentation,
): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const rows: [string, (summary: EvaluationSummary) => string][] = [
    ['accuracy', (summary) => percent(summary.accuracy)],
    ['loss', (summary) => summary.loss.toFixed(4)],
    ['macro F1', (summary) => summary.macroF1.toFixed(3)],
    ['ECE (15 bins)', (summary) => summary.expectedCalibrationError.toFixed(4)],
  ];
  return formatTable(
    ['', 'plain', `tta ${views}`],
    rows.map(([name, format]) => [name, format(plain), format(augmented)]),
  );
}
