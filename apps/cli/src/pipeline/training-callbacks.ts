import type { CallbackContext, TrainLogs } from '@graft/core';
import { isTrainerContext, type TrainerCallback, type WeightSnapshot } from '@graft/trainer';

/**
 * Keeps a copy of the weights of the epoch with the best `val_accuracy` (ties: lower `val_loss`);
 * and writes them back when training ends. Without validation data it keeps nothing.
 */
export class BestWeights implements TrainerCallback {
  readonly name = 'best-weights';
  bestEpoch: number | undefined;
  bestLogs: TrainLogs | undefined;
  private snapshot: WeightSnapshot | undefined;

  onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext): void {
    const accuracy = logs.val_accuracy;
    if (accuracy === undefined || !isTrainerContext(context)) return;
    const best = this.bestLogs;
    const better =
      best === undefined ||
      accuracy > (best.val_accuracy ?? -1) ||
      (accuracy === best.val_accuracy && (logs.val_loss ?? 0) < (best.val_loss ?? 0));
    if (!better) return;
    this.snapshot?.dispose();
    this.snapshot = context.snapshotWeights();
    this.bestEpoch = epoch;
    this.bestLogs = { ...logs };
  }

  /** Puts the best epoch's weights back when training ends (Keras's `restore_best_weights`). */
  onTrainEnd(_logs: TrainLogs, context: CallbackContext): void {
    if (this.snapshot && isTrainerContext(context)) context.restoreWeights(this.snapshot);
    this.dispose();
  }

  dispose(): void {
    this.snapshot?.dispose();
    this.snapshot = undefined;
  }
}

/** Stops training when `val_loss` (or `loss` without validation) has not improved for `patience` epochs. */
export class EarlyStop implements TrainerCallback {
  readonly name = 'early-stop';
  private best = Number.POSITIVE_INFINITY;
  private waited = 0;
  constructor(private readonly patience: number) {}

  onEpochEnd(_epoch: number, logs: TrainLogs, context: CallbackContext): void {
    const value = logs.val_loss ?? logs.loss;
    if (value === undefined) return;
    if (value < this.best - 1e-4) {
      this.best = value;
      this.waited = 0;
      return;
    }
    this.waited += 1;
    if (this.waited >= this.patience) {
      context.control.stop(`early stop: val_loss did not improve for ${this.patience} epochs`);
    }
  }
}
