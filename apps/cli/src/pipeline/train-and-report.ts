import type { Backbone, Head, TrainLogs } from '@graft/core';
import type { PrefixRunnerFactory } from '@graft/trainer';
import {
  evaluate,
  type FeatureComputer,
  type FeatureStore,
  type GradientComputer,
  type TrainingCheckpoint,
} from '@graft/trainer';
import type { DiskFeatureStore } from '@graft/trainer/node';
import { createOptimizerFromSpecification } from '../config/optimizer-specification.js';
import type { TrainConfig } from '../config/train-config.js';
import { parseUnfreezeStages } from '../config/unfreeze-stages.js';
import { exitCodes } from '../exit-codes.js';
import {
  describeInterruptSignal,
  type InterruptSignalName,
  withInterruptSignal,
} from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import type { RunDirectory } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import { buildAugmentation } from './build-augmentation.js';
import { buildSchedule } from './build-schedule.js';
import { calibrateRun } from './calibrate-run.js';
import type { loadLossTerms } from './load-loss-terms.js';
import { reportFiles } from './report-files.js';
import { reportInterruptedRun } from './report-interrupted-run.js';
import { runCallbacks } from './run-callbacks.js';
import { saveRunResult } from './save-run-result.js';
import { trainWithStages } from './staged-unfreeze.js';
import { trainerOptions } from './trainer-options.js';
import type { TrainingData } from './training-data.js';
import { printSummary, summaryMetrics, type TrainingSummary } from './training-summary.js';

/** Options of {@link trainAndReport}: what `runTraining` loaded and started. */
export interface TrainAndReportOptions {
  /** Validated options. */
  config: TrainConfig;
  /** Where to print. */
  output: CommandOutput;
  /** The run directory, config.json already written. */
  run: RunDirectory;
  /** The loaded backbone. */
  backbone: Backbone;
  /** The new head. */
  head: Head;
  /** The loaded splits. */
  data: TrainingData;
  /** The tfjs backend the run uses. */
  backendName: string;
  /** `performance.now()` when the command started. */
  started: number;
  /** The checkpoint the run continues from. */
  resume?: TrainingCheckpoint;
  /** Computes frozen features elsewhere (extraction workers, ONNX Runtime). */
  featureComputer?: FeatureComputer;
  /** Loaded `--teacher` / `--coral-target` terms. */
  lossTerms?: Awaited<ReturnType<typeof loadLossTerms>>;
  /** Where the trainer looks frozen features up first. */
  featureStore?: FeatureStore;
  /** Computes fine-tuning gradients elsewhere (training workers, ONNX Runtime). */
  gradientComputer?: GradientComputer | undefined;
  /** Runs the frozen-prefix cache's pass outside tfjs (ONNX Runtime). */
  prefixRunner?: PrefixRunnerFactory;
  /** The disk feature cache when it is that store, for the run's cache report. */
  diskFeatureStore?: DiskFeatureStore;
}

/**
 * Trains (Ctrl-C leaves a resumable checkpoint), calibrates, evaluates the test split, saves the
 * model, report and plots, and prints the summary. Returns the exit code.
 */
export async function trainAndReport(options: TrainAndReportOptions): Promise<number> {
  const { config, output, run, backbone, head, data } = options;
  const stepsPerEpoch = Math.ceil(data.train.size / config.batchSize);
  const schedule = buildSchedule({
    schedule: config.schedule,
    learningRate: config.learningRate,
    stepsPerEpoch,
    epochs: config.epochs,
  });
  const augmentation = config.augment
    ? buildAugmentation(config.augment, {
        imageSize: backbone.preprocessing.inputSize,
        onDeprecation: (message) => output.info(`graft: ${message}`),
      })
    : undefined;
  const { history, best, callbacks } = await runCallbacks({
    config,
    output,
    run,
    data,
    resume: options.resume,
    reportsCache: options.diskFeatureStore !== undefined,
  });

  let interrupted: InterruptSignalName | undefined;
  const optimizer = createOptimizerFromSpecification(config.optimizer, config.learningRate);
  const result = await withInterruptSignal(
    (signal) =>
      trainWithStages(
        trainerOptions({ ...options, optimizer, schedule, augmentation, callbacks, signal }),
        {
          freezeEpochs: config.freezeEpochs,
          headLearningRate: config.headLearningRate,
          ...(config.unfreezeStages !== undefined
            ? { stages: parseUnfreezeStages(config.unfreezeStages, config.epochs) }
            : {}),
          earlierHistory: history.records().map(({ epoch: _epoch, ...logs }) => logs as TrainLogs),
        },
      ),
    {
      onInterrupt: (signal) => {
        interrupted = signal;
        const name = describeInterruptSignal(signal);
        output.info(
          `\ninterrupted (${name}): stopping after the current batch (${name} again to quit at once)…`,
        );
      },
    },
  ).catch((error: unknown) => {
    if (interrupted) return undefined;
    // A checkpoint write that failed names its folder (Node's `write` errors name no file).
    throw toStorageError(error, run.checkpointsDir);
  });
  optimizer.dispose();
  if (result === undefined) return reportInterruptedRun(run, output, interrupted);

  // With keepBest the best epoch's weights are back in place; the trainer's report describes
  // them (on cached features in feature-extraction mode).
  const bestEpoch = config.keepBest ? best?.bestEpoch : undefined;
  const validation = result.validation;
  // Temperature scaling, before the test evaluation and the save, which then use it.
  const calibration = await calibrateRun({
    enabled: config.calibrate,
    backbone,
    head,
    validation: data.validation,
    // Extraction workers hold the backbone as it was: only valid when it never trained.
    ...(config.mode === 'feature-extraction' && options.featureComputer
      ? { featureComputer: options.featureComputer }
      : {}),
    // Frozen features: the validation features this run stored are read back, not recomputed.
    ...(config.mode === 'feature-extraction' && options.featureStore
      ? { featureStore: options.featureStore }
      : {}),
    output,
  });
  const test = data.test
    ? await evaluate({ backbone, head, data: data.test, threshold: config.threshold })
    : undefined;
  const featureCache = await saveRunResult({
    config,
    output,
    run,
    backbone,
    head,
    data,
    augmentation,
    schedule,
    result,
    validation,
    test,
    bestEpoch,
    calibration,
    featureComputer: options.featureComputer,
    diskFeatureStore: options.diskFeatureStore,
    lossTermsConfig: options.lossTerms?.config,
  });

  const summary: TrainingSummary = {
    run: run.root,
    backend: options.backendName,
    backbone: backbone.name,
    mode: config.mode,
    data: data.description,
    classes: data.classNames,
    images: {
      train: data.train.size,
      validation: data.validation?.size ?? 0,
      test: data.test?.size ?? 0,
    },
    epochs: result.epoch,
    bestEpoch: bestEpoch === undefined ? undefined : bestEpoch + 1,
    stopReason: result.stopReason,
    validation: summaryMetrics(validation),
    test: summaryMetrics(test),
    seconds: {
      total: (performance.now() - options.started) / 1000,
      extraction: result.extractionSeconds,
      training: result.trainingSeconds,
    },
    ...(featureCache ? { featureCache } : {}),
  };
  reportFiles(output, 'unreadable, left out', data.unreadable);
  printSummary(output, summary);
  return exitCodes.success;
}
