import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { getBackboneDescriptor, type WeightProvenance } from '@graft/backbones';
import {
  type Backbone,
  FileFormatError,
  type Head,
  type JsonObject,
  type TrainLogs,
} from '@graft/core';
import { saveSplitManifest } from '@graft/datasets/node';
import type { FeatureEngineRequest } from '@graft/onnx/node';
import {
  type EvaluationReport,
  earlyStopping,
  evaluate,
  type FeatureComputer,
  type FeatureStore,
  type GradientComputer,
  type TrainingCheckpoint,
} from '@graft/trainer';
import { type DiskFeatureStore, modelCheckpoint, saveClassifier } from '@graft/trainer/node';
import { isModelFileReference } from '../config/backbone-reference.js';
import { createHeadFromSpecification } from '../config/head-specification.js';
import { createOptimizerFromSpecification } from '../config/optimizer-specification.js';
import type { TrainConfig } from '../config/train-config.js';
import { parseUnfreezeStages } from '../config/unfreeze-stages.js';
import { exitCodes } from '../exit-codes.js';
import { formatTable } from '../format-table.js';
import {
  describeInterruptSignal,
  type InterruptSignalName,
  withInterruptSignal,
} from '../interrupt/interrupt-signal.js';
import type { CommandOutput } from '../output.js';
import { writeTrainingPlots } from '../plots/training-plots.js';
import { formatNumber } from '../progress/progress-renderer.js';
import type { QueueSettings } from '../queue/queue-flags.js';
import { queuedFeatureStore } from '../queue/queued-features.js';
import { estimateRunBytes } from '../run/estimate-run-bytes.js';
import { prepareRunOutput } from '../run/replace-run.js';
import {
  createRunDirectory,
  HistoryLog,
  type RunDirectory,
  writeJson,
} from '../run/run-directory.js';
import { lockRun } from '../run/run-lock.js';
import { checkFreeSpace, toStorageError } from '../run/storage-errors.js';
import { version } from '../version.js';
import { buildAugmentation } from './build-augmentation.js';
import { buildSchedule, scheduleConfigFor } from './build-schedule.js';
import { calibrateRun, calibrationReport, writeReliabilityDiagram } from './calibrate-run.js';
import { checkOutputPath, checkTrainingInputs } from './check-training-inputs.js';
import { lastCheckpointDirectory } from './checkpoints.js';
import {
  type ExtractionWorkers,
  resolveExtractionWorkers,
  startExtractionWorkers,
} from './extraction-workers.js';
import { startFeatureEngine } from './feature-engine.js';
import { saveFinalResult } from './final-save.js';
import {
  isOnnxGradientComputer,
  type OnnxGradientComputer,
  onnxMicroBatch,
  startFineTuningEngine,
} from './fine-tuning-engine.js';
import { hardLabelLossOptions } from './hard-label-loss-options.js';
import { type LossTermSettings, loadLossTerms } from './load-loss-terms.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import {
  isCifarName,
  loadTrainingData,
  splitManifestFileName,
  type TrainingData,
} from './load-training-data.js';
import { multiLabelSummaryRows } from './multi-label-summary.js';
import { progressCallback } from './progress-callback.js';
import { selectBackend } from './select-backend.js';
import { trainWithStages } from './staged-unfreeze.js';
import {
  checkTrainingBackbone,
  createTrainingBackbone,
  type TrainingBackboneSpec,
  trainingBackboneSpec,
  weightProvenanceOf,
} from './training-backbone.js';
import {
  describeFeatureCacheReport,
  type FeatureCacheReport,
  featureCacheBytes,
  featureCacheReport,
  openTrainingFeatureCache,
} from './training-feature-cache.js';
import { trainingPixelCache } from './training-pixel-cache.js';
import { startTrainingWorkersFor, type TrainingWorkers } from './training-workers.js';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Validated options. */
  config: TrainConfig;
  /** Where to print. */
  output: CommandOutput;
  /** Continue from the run's last checkpoint. */
  resume?: TrainingCheckpoint;
  /**
   * With `resume`: the weights config.json recorded (`null`: random). The loaded backbone must
   * have the same sha256. Undefined for runs written before weights were recorded.
   */
  recordedWeights?: RecordedWeights | null;
  /** `--extraction-workers`: threads computing frozen features. Default `auto`. */
  extractionWorkers?: ExtractionWorkers;
  /** `--training-workers`: threads computing fine-tuning gradients. Default `auto`. */
  trainingWorkers?: TrainingWorkers;
  /** `--engine`: what computes frozen features. Default `auto`. */
  engine?: FeatureEngineRequest;
  /** Extra loss terms: `--teacher` (graft distill), `--coral-target` (graft train). */
  lossTerms?: LossTermSettings;
  /** `--overwrite`: replace an existing run at `config.out` (kept until the new one is saved). */
  overwrite?: boolean;
  /** The command, named to a second process that finds the run locked. Default `graft train`. */
  command?: string;
  /**
   * Feature extraction: where frozen features are looked up first (`--folds` shares one store
   * across its folds, so each image is featurised once). Default: a new in-memory store.
   */
  featureStore?: FeatureStore;
  /** `--no-cache`: `false` neither reads nor writes the disk feature cache. Default `true`. */
  featureCache?: boolean;
  /** `--queue`: frozen features computed by `graft worker` processes (queue/queued-features.ts). */
  queue?: QueueSettings;
}

/** What a finished run reports (printed as a table, or as JSON with --json). */
export interface TrainingSummary {
  run: string;
  backend: string;
  backbone: string;
  mode: string;
  data: string;
  classes: readonly string[];
  images: { train: number; validation: number; test: number };
  epochs: number;
  bestEpoch: number | undefined;
  stopReason: string | undefined;
  validation: Pick<EvaluationReport, SummaryMetric | 'multiLabel'> | undefined;
  test: Pick<EvaluationReport, SummaryMetric | 'multiLabel'> | undefined;
  seconds: { total: number; extraction: number | undefined; training: number };
  /** Frozen features: how many came from the disk cache, how many were computed. */
  featureCache?: FeatureCacheReport;
}

/** The metrics a run's summary shows. */
type SummaryMetric = 'accuracy' | 'balancedAccuracy' | 'macroF1' | 'loss';

/**
 * Trains as `config` says and writes the run directory: config.json once the backbone is loaded
 * (with the weights actually loaded, and so that an interrupted run can be resumed), logs and
 * checkpoints each epoch, then the model and report.json. Returns the exit code (130 after
 * Ctrl-C or SIGTERM, with a resumable checkpoint on disk).
 *
 * The run is locked for the whole process (a second one fails at once naming this pid); a new
 * run refuses an existing one unless `overwrite`, and then the old run is only deleted once the
 * new one is saved (put back if it fails); free space is checked first, and a refused write
 * (disk full, read-only, no permission) is an error naming the path.
 */
export async function runTraining(options: RunTrainingOptions): Promise<number> {
  const { config, output } = options;
  const started = performance.now();
  const backboneSpec = trainingBackboneSpec(config);
  // A multi-label CSV with a softmax head (or the reverse) fails before anything loads.
  multiLabelSourceOf(config);
  // Check names and files before anything is locked, loaded or written, so a typo or a wrong
  // file fails at once.
  await checkTrainingBackbone(backboneSpec);
  const parameterCount = isModelFileReference(backboneSpec.backbone)
    ? undefined
    : getBackboneDescriptor(backboneSpec.backbone).parameterCount;
  const root = resolve(config.out);
  // A file where the run (or its lock, beside it) must go is a usage error, not a failed mkdir.
  await checkOutputPath(config.out);
  const lock = await lockRun({
    root,
    command: options.command ?? (options.resume ? 'graft resume' : 'graft train'),
    onLost: (error) =>
      output.error(
        `graft: warning: lost the lock of ${root} (${error.message}); another process may write into this run.`,
      ),
  });
  try {
    const replaced = options.resume
      ? undefined
      : await prepareRunOutput({ root, overwrite: options.overwrite ?? false });
    for (const leftover of replaced?.leftovers ?? []) {
      output.info(
        `note: ${leftover} holds a run that an earlier --overwrite of ${root} moved aside and never finished replacing; move it back or delete it`,
      );
    }
    if (replaced?.replacedUnstarted) {
      output.info(`starting anew in ${root}: the run there never saved a checkpoint`);
    }
    if (replaced?.previous) {
      output.info(
        `replacing the run in ${root} (kept in ${replaced.previous} until this one is saved)`,
      );
    }
    let code: number;
    try {
      await checkFreeSpace({
        directory: root,
        requiredBytes: estimateRunBytes({
          parameterCount,
          mode: config.mode,
          checkpointsKept: config.keepCheckpoints + config.keepBestCheckpoints,
        }),
        what: `this run (${config.backbone} ${config.mode}: model and checkpoints)`,
      });
      code = await trainIntoRun(options, started, backboneSpec);
    } catch (error) {
      if (replaced?.previous) {
        await replaced.restore().then(
          () => output.error(`graft: the previous run is back in ${root}.`),
          () =>
            output.error(
              `graft: the previous run could not be moved back; it is in ${replaced.previous}.`,
            ),
        );
      }
      throw toStorageError(error, root);
    }
    if (replaced?.previous) {
      if (code === exitCodes.success) {
        await replaced.commit();
      } else {
        output.error(
          `graft: the run this one replaces is kept in ${replaced.previous}; delete it once you no longer need it.`,
        );
      }
    }
    return code;
  } finally {
    await lock.release();
  }
}

async function trainIntoRun(
  options: RunTrainingOptions,
  started: number,
  backboneSpec: TrainingBackboneSpec,
): Promise<number> {
  const { config, output } = options;
  scheduleConfigFor({
    schedule: config.schedule,
    learningRate: config.learningRate,
    stepsPerEpoch: 1,
    epochs: config.epochs,
  });
  // A registered backbone's input size is known without loading it; a model file's is read
  // from the file, so its inputs are checked right after that (cheap) load.
  const modelFile = isModelFileReference(backboneSpec.backbone);
  const checkInputs = (preprocessing: Backbone['preprocessing']) =>
    checkTrainingInputs({
      config,
      preprocessing,
      ...(options.lossTerms ? { lossTerms: options.lossTerms } : {}),
    });
  if (!modelFile) await checkInputs(getBackboneDescriptor(backboneSpec.backbone).preprocessing);
  // A bad GRAFT_FEATURE_CACHE_BYTES fails before anything loads.
  if (options.featureCache !== false) featureCacheBytes();
  const backend = await selectBackend();
  output.verbose(`backend ${backend.chosen} (tfjs ${backend.tfjsBackend})`);
  output.info(`loading backbone ${config.backbone} (${config.weights} weights)…`);
  const backbone = await createTrainingBackbone(backboneSpec);
  const weights = weightProvenanceOf(backbone);
  if (weights) {
    output.info(
      `weights ${weights.location} (${weights.format}, sha256 ${weights.sha256.slice(0, 16)}…${weights.source ? `, ${weights.source}` : ''})`,
    );
  }
  let run: RunDirectory;
  let configRecord: Record<string, unknown> | undefined;
  try {
    if (modelFile) await checkInputs(backbone.preprocessing);
    if (options.resume && options.recordedWeights !== undefined) {
      checkSameWeights({ recorded: options.recordedWeights, loaded: weights });
    }
    run = await createRunDirectory(config.out);
    if (!options.resume) {
      configRecord = {
        graftVersion: version,
        createdAt: new Date().toISOString(),
        ...config,
        // Kernels differ in float rounding: `graft resume` continues on the same backend.
        backend: backend.chosen,
        // Relative to the run directory (graft resume resolves it there), so config.json names
        // no absolute local data path and a run moved together with its data still resumes.
        data: isCifarName(config.data) ? config.data : pathFromRun(run, config.data),
        // Backbone and weights files stay absolute: resume checks their sha256.
        backbone: backboneSpec.backbone,
        weights: backboneSpec.weights,
        out: run.root,
        ...(options.lossTerms ? { lossTerms: lossTermsFromRun(run, options.lossTerms) } : {}),
        // What was actually loaded (path, format, sha256; source and licence only when known).
        backboneWeights: weights,
      };
      await writeJson(run.configFile, configRecord);
    }
  } catch (error) {
    backbone.dispose();
    throw error;
  }

  let head: Head | undefined;
  let lossTerms: Awaited<ReturnType<typeof loadLossTerms>> | undefined;
  // Feature-extraction workers start while the data loads.
  // A staged unfreeze without the frozen-prefix cache featurises for its frozen epochs first
  // (with the cache, both stages train on activations computed in this thread).
  const extractionMode =
    config.freezeEpochs > 0 && config.frozenPrefixCache === 'off'
      ? 'feature-extraction'
      : config.mode;
  const workerCount = resolveExtractionWorkers({
    requested: options.extractionWorkers ?? 'auto',
    backend: backend.chosen,
    mode: extractionMode,
  });
  const startingWorkers = startFeatureEngine({
    // `--engine onnx` while fine-tuning asks for the fine-tuning engine (startFineTuningEngine);
    // the unfrozen backbone's own passes are not frozen extraction.
    requested:
      extractionMode === 'fine-tune' && options.engine === 'onnx'
        ? 'auto'
        : (options.engine ?? 'auto'),
    backbone,
    frozen: extractionMode === 'feature-extraction',
    output,
    startTfjs: () => {
      if (workerCount <= 1) return undefined;
      output.info(`starting ${workerCount} feature-extraction workers (one backbone each)…`);
      return startExtractionWorkers({
        workers: workerCount,
        backend: backend.chosen,
        backbone: backboneSpec,
      });
    },
  });
  startingWorkers.catch(() => undefined);
  // Fine-tuning steps on ONNX Runtime when it can take them, else the tfjs training workers.
  const startingTrainingWorkers: Promise<
    (GradientComputer & { close(): Promise<void> }) | undefined
  > = startFineTuningEngine({
    requested: options.engine ?? 'auto',
    backbone,
    config,
    ...(options.lossTerms !== undefined ? { lossTerms: options.lossTerms } : {}),
    output,
  }).then(
    (
      engine,
    ):
      | Promise<(GradientComputer & { close(): Promise<void> }) | undefined>
      | OnnxGradientComputer =>
      engine ??
      startTrainingWorkersFor(options, backend.chosen, backboneSpec) ??
      Promise.resolve(undefined),
  );
  startingTrainingWorkers.catch(() => undefined);
  let featureStore: DiskFeatureStore | undefined;
  try {
    // Frozen features go through the disk cache unless --no-cache (training-feature-cache.ts).
    const usesFrozenFeatures =
      config.mode === 'feature-extraction' ||
      config.freezeEpochs > 0 ||
      config.unfreezeStages !== undefined;
    featureStore =
      // --folds shares its own store across the folds of one process instead.
      usesFrozenFeatures && options.featureCache !== false && options.featureStore === undefined
        ? await openTrainingFeatureCache({
            backbone,
            dataPreprocessing: backbone.preprocessing,
            backend: backend.chosen,
            output,
          })
        : undefined;
    const data = await loadTrainingData({
      data: config.data,
      split: config.split,
      seed: config.seed,
      preprocessing: backbone.preprocessing,
      ...(config.splitManifest !== undefined ? { splitManifest: config.splitManifest } : {}),
      // Augmented epochs re-read every image: decoded frames are cached (training-pixel-cache.ts).
      pixelCache: config.augment ? trainingPixelCache({ output }) : undefined,
      multiLabel: multiLabelSourceOf(config),
    });
    reportFiles(output, 'skipped', data.skipped);
    // Which file went to which split: `--split-manifest` reuses it, `graft eval` can check it.
    if (data.manifest) {
      await saveSplitManifest(join(run.root, splitManifestFileName), data.manifest).catch(
        (error: unknown) => {
          throw toStorageError(error, run.root);
        },
      );
    }
    output.info(
      `data ${data.description}: ${data.classNames.length} classes, ${data.train.size} train / ${data.validation?.size ?? 0} val / ${data.test?.size ?? 0} test images`,
    );
    const workers = await startingWorkers;
    if (configRecord !== undefined) {
      // The engine that computes frozen features (they differ by ~1e-5 between engines), so
      // `graft resume` continues on it rather than resolving `auto` again.
      // Fine-tuning steps on ONNX Runtime count too: a resumed run must take the same steps.
      const stepsOnOnnx = isOnnxGradientComputer(
        await startingTrainingWorkers.catch(() => undefined),
      );
      const engine = workers?.engine?.name === 'onnxruntime' || stepsOnOnnx ? 'onnx' : 'tfjs';
      await writeJson(run.configFile, { ...configRecord, engine }).catch((error: unknown) => {
        throw toStorageError(error, run.root);
      });
    }
    lossTerms = options.lossTerms
      ? await loadLossTerms({ settings: options.lossTerms, preprocessing: backbone.preprocessing })
      : undefined;
    // --queue: `graft worker` processes compute the frozen features first; this store serves them.
    const queued = options.queue
      ? await queuedFeatureStore({
          settings: options.queue,
          data,
          backbone,
          backboneSpec,
          engine: workers?.engine?.name ?? 'tfjs',
          backend: backend.chosen,
          output,
          fallback: options.featureStore ?? featureStore,
        })
      : undefined;
    head = createHeadFromSpecification(config.head, {
      featureDim: backbone.featureDim,
      numClasses: data.classNames.length,
      seed: config.seed,
    });
    return await trainAndReport({
      config,
      output,
      run,
      backbone,
      head,
      data,
      backendName: backend.chosen,
      started,
      ...(options.resume ? { resume: options.resume } : {}),
      ...(workers ? { featureComputer: workers } : {}),
      ...(lossTerms ? { lossTerms } : {}),
      ...(options.featureStore
        ? { featureStore: options.featureStore }
        : featureStore
          ? { featureStore, diskFeatureStore: featureStore }
          : {}),
      ...(queued ? { featureStore: queued } : {}),
      gradientComputer: await startingTrainingWorkers,
    });
  } finally {
    // Keeps the cache within GRAFT_FEATURE_CACHE_BYTES (least recently used entries go first).
    await featureStore
      ?.trim()
      .catch((error: unknown) =>
        output.error(`graft: warning: feature cache not trimmed (${(error as Error).message})`),
      );
    await (await startingWorkers.catch(() => undefined))?.close();
    await (await startingTrainingWorkers?.catch(() => undefined))?.close();
    lossTerms?.dispose();
    head?.dispose();
    backbone.dispose();
  }
}

async function trainAndReport(options: {
  config: TrainConfig;
  output: CommandOutput;
  run: RunDirectory;
  backbone: Backbone;
  head: Head;
  data: TrainingData;
  backendName: string;
  started: number;
  resume?: TrainingCheckpoint;
  featureComputer?: FeatureComputer;
  lossTerms?: Awaited<ReturnType<typeof loadLossTerms>>;
  /** Where the trainer looks frozen features up first. */
  featureStore?: FeatureStore;
  gradientComputer?: GradientComputer | undefined;
  /** The disk feature cache when it is that store, for the run's cache report. */
  diskFeatureStore?: DiskFeatureStore;
}): Promise<number> {
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
  const history = new HistoryLog(run.historyFile);
  // Lines past the checkpoint's epoch were written before a crash and are trained again.
  if (options.resume) await history.load(options.resume.manifest.epoch);
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
      reportsCache: options.diskFeatureStore !== undefined,
      onNotice: (message: string) => output.info(message),
      onEpoch: (epoch: number, logs: TrainLogs) => history.append({ epoch: epoch + 1, ...logs }),
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

  let interrupted: InterruptSignalName | undefined;
  const optimizer = createOptimizerFromSpecification(config.optimizer, config.learningRate);
  // Native memory, not the 4 GiB wasm heap: one micro-batch per worker when it fits.
  const onnxChoice =
    config.microBatch === undefined && isOnnxGradientComputer(options.gradientComputer)
      ? onnxMicroBatch({
          backbone,
          batchSize: config.batchSize,
          concurrency: options.gradientComputer.concurrency,
        })
      : undefined;
  const result = await withInterruptSignal(
    (signal) =>
      trainWithStages(
        {
          backbone,
          head,
          trainData: data.train,
          ...(data.validation ? { validationData: data.validation } : {}),
          mode: config.mode,
          epochs: config.epochs,
          batchSize: config.batchSize,
          optimizer,
          schedule,
          ...(augmentation ? { augmentation } : {}),
          ...(config.unfreezeFrom ? { unfreezeFrom: config.unfreezeFrom } : {}),
          ...(config.backboneLearningRateFactor !== undefined || config.layerDecay !== undefined
            ? {
                discriminative: {
                  ...(config.backboneLearningRateFactor !== undefined
                    ? { backboneMultiplier: config.backboneLearningRateFactor }
                    : {}),
                  ...(config.layerDecay !== undefined ? { layerDecay: config.layerDecay } : {}),
                },
              }
            : {}),
          ...(config.microBatch !== undefined
            ? { microBatchSize: config.microBatch }
            : onnxChoice
              ? { microBatchSize: onnxChoice.microBatchSize }
              : {}),
          onMicroBatchSize: (choice) => output.info(onnxChoice?.reason ?? choice.reason),
          callbacks,
          seed: config.seed,
          signal,
          ...(options.resume ? { resume: options.resume } : {}),
          ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
          ...(options.featureStore ? { featureStore: options.featureStore } : {}),
          ...(options.gradientComputer ? { gradientComputer: options.gradientComputer } : {}),
          ...(options.lossTerms ? { lossTerms: options.lossTerms.terms } : {}),
          ...hardLabelLossOptions(config, data.classNames),
          frozenPrefixCache: config.frozenPrefixCache,
          batchNorm: config.batchNorm,
          ...(config.clipNorm !== undefined ? { gradientClipNorm: config.clipNorm } : {}),
          ...(config.augmentedPasses !== undefined
            ? { augmentedPasses: config.augmentedPasses }
            : {}),
          threshold: config.threshold,
        },
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
  if (result === undefined) {
    const last = await lastCheckpointDirectory(run).catch(() => undefined);
    const saved =
      last === undefined
        ? undefined
        : await readFile(join(last, 'checkpoint.json'), 'utf8')
            .then((text) => (JSON.parse(text) as { epoch?: number }).epoch)
            .catch(() => undefined);
    const by = interrupted ? ` by ${describeInterruptSignal(interrupted)}` : '';
    output.error(
      saved === undefined
        ? `graft: interrupted${by} before the first epoch finished; nothing to resume. Run graft train again (${run.root}).`
        : `graft: interrupted${by}. Epoch ${saved} is saved in ${last}; continue with: graft resume ${run.root}`,
    );
    return exitCodes.interrupted;
  }

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
        ...withoutLocalPaths(options.lossTerms?.config),
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
    .then(() =>
      writeTrainingPlots({
        directory: plots,
        history: result.history,
        ...(validation ? { validation } : {}),
      }),
    )
    .then(
      (files) => output.verbose(`plots: ${files.map((file) => basename(file)).join(', ')}`),
      (error: unknown) => output.info(`graft: plots not written (${(error as Error).message})`),
    );
  if (calibration) {
    await writeReliabilityDiagram(plots, calibration).then(
      (file) => output.verbose(`plots: ${basename(file)}`),
      (error: unknown) =>
        output.info(`graft: reliability diagram not written (${(error as Error).message})`),
    );
  }

  const pick = (report: EvaluationReport | undefined) =>
    report
      ? {
          accuracy: report.accuracy,
          balancedAccuracy: report.balancedAccuracy,
          macroF1: report.macroF1,
          loss: report.loss,
          ...(report.multiLabel ? { multiLabel: report.multiLabel } : {}),
        }
      : undefined;
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
    validation: pick(validation),
    test: pick(test),
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

/** `path` relative to the run directory (how config.json records it). */
function pathFromRun(run: RunDirectory, path: string): string {
  return relative(run.root, resolve(path)) || '.';
}

/** Loss-term settings with their folders relative to the run directory (see `graft resume`). */
function lossTermsFromRun(run: RunDirectory, settings: LossTermSettings): LossTermSettings {
  return {
    ...settings,
    ...(settings.teacher !== undefined ? { teacher: pathFromRun(run, settings.teacher) } : {}),
    ...(settings.coralTarget !== undefined
      ? { coralTarget: pathFromRun(run, settings.coralTarget) }
      : {}),
  };
}

/** The loss terms' metadata with local folders reduced to their names. */
function withoutLocalPaths(config: JsonObject | undefined): JsonObject {
  if (config === undefined) return {};
  const result: JsonObject = { ...config };
  for (const key of ['teacherRun', 'coralTarget']) {
    const value = result[key];
    if (typeof value === 'string') result[key] = basename(value);
  }
  return result;
}

/** The part of config.json's `backboneWeights` that identifies the weights. */
export type RecordedWeights = Pick<WeightProvenance, 'location' | 'sha256'>;

/** Resuming must train the weights the run started from: a changed file would silently differ. */
function checkSameWeights(options: {
  recorded: RecordedWeights | null;
  loaded: WeightProvenance | null;
}): void {
  const { recorded, loaded } = options;
  if (recorded?.sha256 === loaded?.sha256) return;
  throw new FileFormatError({
    file: loaded?.location ?? recorded?.location ?? 'backbone weights',
    problem: `has sha256 ${loaded?.sha256 ?? '(random weights)'}, but the run started from ${recorded ? `${recorded.location} with sha256 ${recorded.sha256}` : 'random weights'} (config.json); resuming would train different weights. Restore that file or start a new run`,
  });
}

/** Names a few files left out (all of them with --verbose), so a bad data folder is visible. */
function reportFiles(
  output: CommandOutput,
  what: string,
  files: readonly { path: string; reason: string }[],
): void {
  const shown = output.isVerbose ? files : files.slice(0, 3);
  for (const file of shown) {
    // Decoder messages can span lines and often start with the path already.
    const reason = file.reason.split('\n')[0] ?? '';
    output.info(`${what}: ${reason.startsWith(file.path) ? reason : `${file.path} (${reason})`}`);
  }
  if (shown.length < files.length) {
    output.info(`… and ${files.length - shown.length} more ${what} files (--verbose lists them)`);
  }
}

/** Prints the summary table (or JSON). */
export function printSummary(output: CommandOutput, summary: TrainingSummary): void {
  if (output.json) {
    output.result(JSON.stringify(summary, null, 2));
    return;
  }
  const percent = (value: number | undefined) =>
    value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['run', summary.run],
    ['backbone', `${summary.backbone} (${summary.mode}, ${summary.backend})`],
    ['classes', summary.classes.join(', ')],
    [
      'images',
      `${summary.images.train} train / ${summary.images.validation} val / ${summary.images.test} test`,
    ],
    [
      'epochs',
      `${summary.epochs}${summary.bestEpoch !== undefined ? ` (best ${summary.bestEpoch})` : ''}${summary.stopReason ? `, ${summary.stopReason}` : ''}`,
    ],
    ...(summary.validation?.multiLabel
      ? multiLabelSummaryRows(summary.validation.multiLabel)
      : ([
          ['val accuracy', percent(summary.validation?.accuracy)],
          ['val balanced accuracy', percent(summary.validation?.balancedAccuracy)],
          ['val macro-F1', percent(summary.validation?.macroF1)],
        ] as [string, string][])),
    ['val loss', summary.validation ? formatNumber(summary.validation.loss) : '-'],
    ...(summary.test
      ? ([
          ['test accuracy', percent(summary.test.accuracy)],
          ['test balanced accuracy', percent(summary.test.balancedAccuracy)],
          ['test macro-F1', percent(summary.test.macroF1)],
        ] as [string, string][])
      : []),
    ...(summary.featureCache
      ? ([
          [
            'features',
            `${summary.featureCache.fromCache} from cache, ${summary.featureCache.computed} computed${summary.featureCache.enabled ? '' : ' (cache off)'}`,
          ],
        ] as [string, string][])
      : []),
    [
      'time',
      `${summary.seconds.total.toFixed(1)}s${summary.seconds.extraction !== undefined ? ` (features ${summary.seconds.extraction.toFixed(1)}s, epochs ${summary.seconds.training.toFixed(1)}s)` : ''}`,
    ],
  ];
  output.result(formatTable(['', 'result'], rows));
}
