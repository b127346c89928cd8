import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Backbone, Head, ImageAugmentation, JsonObject, Schedule } from '@graft/core';
import type { EvaluationReport, FeatureComputer, TrainResult } from '@graft/trainer';
import { type DiskFeatureStore, saveClassifier } from '@graft/trainer/node';
import type { TrainConfig } from '../config/train-config.js';
import type { CommandOutput } from '../output.js';
import { renderTrainingPlots } from '../plots/training-plots.js';
import type { RunDirectory } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import {
  type calibrateRun,
  calibrationReport,
  renderCalibrationDiagram,
  writeReliabilityDiagram,
} from './calibrate-run.js';
import { saveFinalResult } from './final-save.js';
import { withoutLocalPaths } from './run-relative-paths.js';
import type { TrainingData } from './training-data.js';
import {
  describeFeatureCacheReport,
  type FeatureCacheReport,
  featureCacheReport,
} from './training-feature-cache.js';

/**
 * Saves a trained run: the model and report.json as one unit (report.json last marks the run
 * finished), then the plots. Returns the run's disk-cache report, when it extracted features.
 */
export async function saveRunResult(options: {
  /** Validated options. */
  config: TrainConfig;
  /** Where to print. */
  output: CommandOutput;
  /** The run directory. */
  run: RunDirectory;
  /** The trained backbone. */
  backbone: Backbone;
  /** The trained (and calibrated) head. */
  head: Head;
  /** The loaded splits. */
  data: TrainingData;
  /** `--augment`, recorded in the model's metadata. */
  augmentation: ImageAugmentation | undefined;
  /** The run's schedule, recorded in the model's metadata. */
  schedule: Schedule;
  /** What the trainer returned. */
  result: TrainResult;
  /** The validation report of the saved weights. */
  validation: EvaluationReport | undefined;
  /** The test report. */
  test: EvaluationReport | undefined;
  /** The best epoch (0-based) whose weights were put back, with --keep-best. */
  bestEpoch: number | undefined;
  /** Temperature scaling, when applied or tried. */
  calibration: Awaited<ReturnType<typeof calibrateRun>>;
  /** What computed frozen features, when not this thread. */
  featureComputer: FeatureComputer | undefined;
  /** The disk feature cache, when it was the run's store. */
  diskFeatureStore: DiskFeatureStore | undefined;
  /** The loss terms' metadata (`--teacher`, `--coral-target`). */
  lossTermsConfig: JsonObject | undefined;
}): Promise<FeatureCacheReport | undefined> {
  const { config, output, run, backbone, head, data, augmentation, schedule, result } = options;
  const { validation, test, bestEpoch, calibration } = options;
  // Model and report as one unit: report.json, written last, marks the run finished.
  const writeModel = (directory: string) =>
    saveClassifier({
      directory,
      backbone,
      head,
      classNames: data.classNames,
      modelName: run.name,
      threshold: config.threshold,
      ...(augmentation ? { augmentation } : {}),
      schedule,
      training: {
        mode: config.mode,
        epochs: result.epoch,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        seed: config.seed,
        // The folder's name, not its local path: the metadata travels with exported models.
        data:
          data.root === undefined ? data.description : `${basename(data.root)} (${data.layout})`,
        ...withoutLocalPaths(options.lossTermsConfig),
      },
      ...(validation
        ? { metrics: { validationAccuracy: validation.accuracy, validationLoss: validation.loss } }
        : {}),
      ...(calibration?.metadata ? { calibration: calibration.metadata } : {}),
    });
  // By the run's mode, not by whether this process extracted: a resume that only finishes the
  // final save must write the same report as the run it finishes.
  const featureEngine =
    config.mode === 'feature-extraction' || config.freezeEpochs > 0 || options.featureComputer
      ? (options.featureComputer?.engine ?? { name: 'tfjs', detail: 'this thread' })
      : undefined;
  const featureCache = result.extraction
    ? featureCacheReport({
        store: options.diskFeatureStore,
        extraction: result.extraction,
        teacher: result.teacher,
      })
    : undefined;
  if (featureCache) output.info(describeFeatureCacheReport(featureCache));
  // The charts render (in the chart thread) while the model is saved; they are written after.
  const writePlots = renderTrainingPlots({
    history: result.history,
    ...(validation ? { validation } : {}),
  });
  const reliabilityDiagram = calibration ? renderCalibrationDiagram(calibration) : undefined;
  // Reported where it is written.
  reliabilityDiagram?.catch(() => undefined);
  await saveFinalResult({
    run,
    writeModel,
    report: {
      epochs: result.epoch,
      validation,
      test,
      bestEpoch: bestEpoch === undefined ? undefined : bestEpoch + 1,
      history: result.history,
      stopReason: result.stopReason,
      ...(calibration
        ? { calibration: calibrationReport(calibration, data.validation?.size ?? 0) }
        : {}),
      // Which engine computed frozen features (features differ by ~1e-5 between engines).
      ...(featureEngine === undefined ? {} : { featureEngine }),
      // How many frozen features came from the disk cache (--no-cache: enabled false).
      ...(featureCache === undefined ? {} : { featureCache }),
    },
  }).catch((error: unknown) => {
    throw toStorageError(error, run.root);
  });
  // After the model and report are safe: a chart that cannot be drawn costs only the chart.
  const plots = join(run.root, 'plots');
  await mkdir(plots, { recursive: true })
    .then(() => writePlots(plots))
    .then(
      (files) => output.verbose(`plots: ${files.map((file) => basename(file)).join(', ')}`),
      (error: unknown) => output.info(`graft: plots not written (${(error as Error).message})`),
    );
  if (calibration) {
    await writeReliabilityDiagram(plots, calibration, reliabilityDiagram).then(
      (file) => output.verbose(`plots: ${basename(file)}`),
      (error: unknown) =>
        output.info(`graft: reliability diagram not written (${(error as Error).message})`),
    );
  }
  return featureCache;
}
