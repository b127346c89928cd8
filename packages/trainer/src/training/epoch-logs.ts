import type { TrainLogs } from '@graft/core';
import type { EvaluationReport } from '../evaluation/metrics.js';
import { multiLabelLogs } from '../evaluation/multi-label-logs.js';
import type { EpochTotals } from './training-step.js';

/** An epoch's logs: mean loss, accuracy and loss components, the learning rate, and speed. */
export function epochLogs(totals: EpochTotals, seconds: number, learningRate: number): TrainLogs {
  const images = Math.max(totals.images, 1);
  const logs: TrainLogs = {
    loss: totals.loss / images,
    accuracy: totals.correct / images,
    learning_rate: learningRate,
    images_per_second: totals.images / Math.max(seconds, 1e-9),
    epoch_seconds: seconds,
  };
  for (const [name, sum] of totals.components) logs[name] = sum / images;
  return logs;
}

/** Adds a validation report to `logs` as `val_*` entries. */
export function addValidationLogs(logs: TrainLogs, validation: EvaluationReport): void {
  logs.val_loss = validation.loss;
  logs.val_accuracy = validation.accuracy;
  logs.val_balanced_accuracy = validation.balancedAccuracy;
  logs.val_macro_f1 = validation.macroF1;
  for (const [k, value] of Object.entries(validation.topKAccuracy)) {
    logs[`val_top${k}_accuracy`] = value;
  }
  Object.assign(logs, multiLabelLogs(validation));
}
