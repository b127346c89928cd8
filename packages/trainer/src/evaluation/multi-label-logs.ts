import type { TrainLogs } from '@graft/core';
import type { EvaluationReport } from './metrics.js';

/**
 * The epoch-log entries of a multi-label validation report (`val_hamming_accuracy`,
 * `val_micro_f1`, `val_macro_f1`), so early stopping, checkpoints and plots can monitor them;
 * none for a single-label report.
 */
export function multiLabelLogs(validation: EvaluationReport): TrainLogs {
  const metrics = validation.multiLabel;
  if (metrics === undefined) return {};
  return {
    val_hamming_accuracy: metrics.hammingAccuracy,
    val_micro_f1: metrics.microF1,
    val_macro_f1: metrics.macroF1,
  };
}
