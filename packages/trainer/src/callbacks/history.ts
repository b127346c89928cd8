import type { Callback, TrainLogs } from '@graft/core';

/** Records every epoch's logs (Keras's `History`). `train` also returns them. */
export class History implements Callback {
  readonly name = 'history';
  /** Logs of each epoch, by epoch index. */
  readonly epochs: TrainLogs[] = [];

  onTrainBegin(): void {
    this.epochs.length = 0;
  }

  onEpochEnd(epoch: number, logs: TrainLogs): void {
    this.epochs[epoch] = { ...logs };
  }

  /** The values of one metric across epochs (e.g. `val_accuracy`). */
  metric(name: string): Array<number | undefined> {
    return this.epochs.map((logs) => logs?.[name]);
  }
}
