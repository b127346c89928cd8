/**
 * Metrics reported to callbacks: `loss`, `accuracy`, `val_loss`, `val_accuracy`,
 * `learning_rate`, `images_per_second`, … Values are plain numbers.
 */
export type TrainLogs = Record<string, number>;

/** Lets a callback stop training (Keras's `model.stop_training = true`). */
export interface TrainingControl {
  /** Asks the trainer to stop after the current batch; `reason` is recorded in the history. */
  stop(reason?: string): void;
  /** Whether a stop was requested. */
  readonly stopRequested: boolean;
  /** The reason given to {@link stop}, if any. */
  readonly stopReason: string | undefined;
}

/** What a callback hook is told besides the logs. */
export interface CallbackContext {
  /** 0-based epoch. */
  epoch: number;
  /** Epochs the run is configured for. */
  epochs: number;
  /** 0-based global optimiser step. */
  step: number;
  /** Batches per epoch, when known. */
  stepsPerEpoch?: number;
  /** Stop training from a callback. */
  control: TrainingControl;
}

/**
 * Optional async hooks, called in order and awaited. A hook that is not defined costs nothing:
 * batch logs are only read from tensors when some callback defines `onBatchEnd`.
 */
export interface Callback {
  /** Name shown in errors and logs. */
  readonly name?: string;
  onTrainBegin?(context: CallbackContext): void | Promise<void>;
  onTrainEnd?(logs: TrainLogs, context: CallbackContext): void | Promise<void>;
  onEpochBegin?(epoch: number, context: CallbackContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: TrainLogs, context: CallbackContext): void | Promise<void>;
  onBatchBegin?(batch: number, context: CallbackContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: TrainLogs, context: CallbackContext): void | Promise<void>;
}
