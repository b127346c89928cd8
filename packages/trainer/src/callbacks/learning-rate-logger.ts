import type { Callback, TrainLogs } from '@graft/core';

/** The callback returned by {@link learningRateLogger}. */
export interface LearningRateLogger extends Callback {
  /** `[step, learning rate]` of every optimiser step. */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

/**
 * Records the learning rate of every step (the trainer puts `learning_rate` in batch logs),
 * and passes each to `log` when given, e.g. to plot a schedule or spot a warm-up bug.
 */
export function learningRateLogger(
  options: {
    /** Called with each step's learning rate. */
    log?: (step: number, learningRate: number) => void;
  } = {},
): LearningRateLogger {
  const values: Array<readonly [number, number]> = [];
  return {
    name: 'learning-rate-logger',
    values,
    onBatchEnd(_batch: number, logs: TrainLogs, context) {
      const rate = logs.learning_rate;
      if (rate === undefined) return;
      // `context.step` has already moved past the step these logs describe.
      const step = context.step - 1;
      values.push([step, rate]);
      options.log?.(step, rate);
    },
  };
}
