import { type CallbackContext, InvalidArgumentError, type TrainLogs } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { improves, type MonitorMode, resolveMode } from './monitor.js';
import {
  type CallbackState,
  isTrainerContext,
  type TrainerCallback,
  type WeightSnapshot,
} from './trainer-context.js';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /** Metric to watch. Default `val_loss`. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** `min`, `max`, or `auto` (by the metric's name). Default `auto`. */
  mode?: MonitorMode;
  /** At the end of training, put back the weights of the best epoch. Default `false`. */
  restoreBestWeights?: boolean;
}

/** The callback returned by {@link earlyStopping}, with what it found. */
export interface EarlyStopping extends TrainerCallback {
  /** Best value seen. */
  readonly best: number | undefined;
  /** Epoch of the best value. */
  readonly bestEpoch: number | undefined;
  /** Epoch at which it stopped training, if it did. */
  readonly stoppedEpoch: number | undefined;
}

/**
 * Stops training when `monitor` has not improved for `patience` epochs (Keras's
 * `EarlyStopping`), and optionally restores the best epoch's weights when training ends. Its
 * best value, best epoch, patience counter and best weights are saved in every checkpoint
 * (`getState`), so a resumed run stops and restores exactly as an uninterrupted one.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const monitor = options.monitor ?? 'val_loss';
  const patience = options.patience ?? 3;
  const minDelta = Math.abs(options.minDelta ?? 0);
  const mode = resolveMode(monitor, options.mode);
  if (!(Number.isInteger(patience) && patience >= 0)) {
    throw new InvalidArgumentError({
      argument: 'patience',
      value: patience,
      expected: 'must be an integer >= 0',
    });
  }
  let best: number | undefined;
  let bestEpoch: number | undefined;
  let stoppedEpoch: number | undefined;
  let wait = 0;
  let bestWeights: WeightSnapshot | undefined;
  const release = () => {
    bestWeights?.dispose();
    bestWeights = undefined;
  };
  return {
    name: 'early-stopping',
    get best() {
      return best;
    },
    get bestEpoch() {
      return bestEpoch;
    },
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    onTrainBegin() {
      best = undefined;
      bestEpoch = undefined;
      stoppedEpoch = undefined;
      wait = 0;
      release();
    },
    onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext) {
      const value = logs[monitor];
      if (value === undefined) {
        throw new InvalidArgumentError({
          argument: 'monitor',
          value: monitor,
          expected: `must be a logged metric (${Object.keys(logs).join(', ')})`,
        });
      }
      if (improves(value, best, mode, minDelta)) {
        best = value;
        bestEpoch = epoch;
        wait = 0;
        if (options.restoreBestWeights && isTrainerContext(context)) {
          release();
          bestWeights = context.snapshotWeights();
        }
        return;
      }
      wait++;
      if (wait >= patience) {
        stoppedEpoch = epoch;
        context.control.stop(
          // Epochs counted from 1, as logs, checkpoints (epoch-NNNN) and reports number them.
          `early stopping: ${monitor} did not improve for ${wait} epochs (best ${formatValue(best)} at epoch ${bestEpoch === undefined ? '?' : bestEpoch + 1})`,
        );
      }
    },
    getState(): CallbackState {
      return {
        values: {
          monitor,
          best: best ?? null,
          bestEpoch: bestEpoch ?? null,
          stoppedEpoch: stoppedEpoch ?? null,
          wait,
        },
        ...(bestWeights ? { tensors: Object.fromEntries(bestWeights.tensors) } : {}),
      };
    },
    setState(state: CallbackState) {
      const { values } = state;
      if (values.monitor !== monitor || typeof values.wait !== 'number') {
        throw new InvalidArgumentError({
          argument: 'state',
          value: values,
          expected: `must be the state of an early-stopping callback watching ${monitor}`,
        });
      }
      const numberOrUndefined = (value: unknown) => (typeof value === 'number' ? value : undefined);
      best = numberOrUndefined(values.best);
      bestEpoch = numberOrUndefined(values.bestEpoch);
      stoppedEpoch = numberOrUndefined(values.stoppedEpoch);
      wait = values.wait;
      release();
      if (state.tensors && Object.keys(state.tensors).length > 0) {
        // The trainer disposes the state's tensors after setState: keep clones.
        const tensors = new Map(
          Object.entries(state.tensors).map(([key, tensor]) => [key, tf.clone(tensor)]),
        );
        bestWeights = {
          tensors,
          dispose: () => {
            tf.dispose([...tensors.values()]);
            tensors.clear();
          },
        };
      }
    },
    onTrainEnd(_logs: TrainLogs, context: CallbackContext) {
      if (options.restoreBestWeights && bestWeights && isTrainerContext(context)) {
        context.restoreWeights(bestWeights);
      }
      release();
    },
  };
}

/** Four significant digits: enough to tell epochs apart, short enough to read. */
function formatValue(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value)
    ? String(Number(value.toPrecision(4)))
    : String(value);
}
