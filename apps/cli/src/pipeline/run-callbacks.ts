import type { TrainLogs } from '@graft/core';
import {
  type EarlyStopping,
  earlyStopping,
  type TrainingCheckpoint,
  type TrainOptions,
} from '@graft/trainer';
import { modelCheckpoint } from '@graft/trainer/node';
import type { TrainConfig } from '../config/train-config.js';
import type { CommandOutput } from '../output.js';
import { startChartThread } from '../plots/render-chart.js';
import { HistoryLog, type RunDirectory } from '../run/run-directory.js';
import { progressCallback } from './progress-callback.js';
import type { TrainingData } from './training-data.js';

/** The hooks of a `graft train` run and what they keep. */
export interface RunCallbacks {
  /** The run's history file (its earlier lines loaded when resuming). */
  history: HistoryLog;
  /** Early stopping / best-epoch tracking, when there is validation data and it is asked for. */
  best: EarlyStopping | undefined;
  /** Progress, best epoch and checkpoints, in the order the trainer calls them. */
  callbacks: NonNullable<TrainOptions['callbacks']>;
}

/** Progress on screen and in the history file, the best epoch, and a checkpoint every epoch. */
export async function runCallbacks(settings: {
  /** Validated options. */
  config: TrainConfig;
  /** Where to print. */
  output: CommandOutput;
  /** The run directory (history file, checkpoints). */
  run: RunDirectory;
  /** The loaded splits. */
  data: TrainingData;
  /** The checkpoint the run continues from. */
  resume: TrainingCheckpoint | undefined;
  /** Whether the progress display reports disk-cache hits. */
  reportsCache: boolean;
}): Promise<RunCallbacks> {
  const { config, output, run, data } = settings;
  const history = new HistoryLog(run.historyFile);
  // Lines past the checkpoint's epoch were written before a crash and are trained again.
  if (settings.resume) await history.load(settings.resume.manifest.epoch);
  // Best epoch by --monitor (val_loss by default): with --early-stop it also stops the run; with
  // keepBest its weights are put back at the end (Keras's restore_best_weights).
  const best =
    data.validation && (config.keepBest || config.earlyStop > 0)
      ? earlyStopping({
          monitor: config.monitor,
          patience: config.earlyStop > 0 ? config.earlyStop : config.epochs + 1,
          restoreBestWeights: config.keepBest,
        })
      : undefined;
  const callbacks = [
    progressCallback({
      progress: output.progress(),
      trainImages: data.train.size,
      reportsCache: settings.reportsCache,
      onNotice: (message: string) => output.info(message),
      onEpoch: (epoch: number, logs: TrainLogs) => {
        // The charts drawn at the end load their modules meanwhile (render-chart.ts).
        startChartThread();
        return history.append({ epoch: epoch + 1, ...logs });
      },
    }),
    ...(best ? [best] : []),
    // A checkpoint after every epoch is what `graft resume` and Ctrl-C rely on. Last, so it
    // holds the other callbacks' state after this epoch (early stopping).
    modelCheckpoint({
      directory: run.checkpointsDir,
      // By --monitor (loss without validation data), like the best epoch --keep-best restores.
      ...(data.validation ? { monitor: config.monitor } : {}),
      saveBestK: config.keepBestCheckpoints,
      saveLast: true,
      keepLast: config.keepCheckpoints,
    }),
  ];
  return { history, best, callbacks };
}
