import { join } from 'node:path';
import { getBackboneDescriptor } from '@graft/backbones';
import type { Backbone, Head } from '@graft/core';
import { jpegDecoder, saveSplitManifest } from '@graft/datasets/node';
import type { DiskFeatureStore } from '@graft/trainer/node';
import { isModelFileReference } from '../config/backbone-reference.js';
import { createHeadFromSpecification } from '../config/head-specification.js';
import { queuedFeatureStore } from '../queue/queued-features.js';
import { createRunDirectory, type RunDirectory, writeJson } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import { scheduleConfigFor } from './build-schedule.js';
import { checkSameWeights } from './check-same-weights.js';
import { checkTrainingInputs } from './check-training-inputs.js';
import { startEarlySessionThread } from './early-session-thread.js';
import { loadLossTerms } from './load-loss-terms.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import { loadTrainingData, splitManifestFileName } from './load-training-data.js';
import { prefixRunnerFor } from './prefix-runner.js';
import { reportFiles } from './report-files.js';
import { recordRunEngine, runConfigRecord } from './run-config-record.js';
import type { RunTrainingOptions } from './run-training-options.js';
import { selectBackend } from './select-backend.js';
import { startRunEngines } from './start-run-engines.js';
import { trainAndReport } from './train-and-report.js';
import {
  createTrainingBackbone,
  type TrainingBackboneSpec,
  weightProvenanceOf,
} from './training-backbone.js';
import {
  describeDecodePrefetch,
  describeJpegDecoder,
  startTrainingDecodePrefetch,
} from './training-decode-prefetch.js';
import { featureCacheBytes, openTrainingFeatureCache } from './training-feature-cache.js';
import { trainingPixelCache } from './training-pixel-cache.js';

/**
 * The run inside its lock: loads the backbone, writes config.json, starts the engines, loads
 * the data, trains and reports; closes and disposes everything it started, however it ends.
 */
export async function trainIntoRun(
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
  // Decoding starts now in a worker thread, while the weights load (training-decode-prefetch.ts).
  const decodePrefetch = modelFile
    ? undefined
    : await startTrainingDecodePrefetch({
        config,
        preprocessing: getBackboneDescriptor(backboneSpec.backbone).preprocessing,
        featureCache: options.featureCache !== false,
      });
  // ONNX Runtime's thread starts now too, so it is ready when the graph is (the weights are
  // loaded and converted meanwhile).
  const sessionThread = startEarlySessionThread(options);
  const backend = await selectBackend().catch(async (error: unknown) => {
    await decodePrefetch?.close();
    await sessionThread?.close();
    throw error;
  });
  output.verbose(`backend ${backend.chosen} (tfjs ${backend.tfjsBackend})`);
  output.info(`loading backbone ${config.backbone} (${config.weights} weights)…`);
  const backbone = await createTrainingBackbone(backboneSpec).catch(async (error: unknown) => {
    await decodePrefetch?.close();
    await sessionThread?.close();
    throw error;
  });
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
      configRecord = runConfigRecord({
        config,
        backend: backend.chosen,
        run,
        backboneSpec,
        lossTerms: options.lossTerms,
        weights,
      });
      await writeJson(run.configFile, configRecord);
    }
  } catch (error) {
    backbone.dispose();
    await decodePrefetch?.close();
    await sessionThread?.close();
    throw error;
  }

  let head: Head | undefined;
  let lossTerms: Awaited<ReturnType<typeof loadLossTerms>> | undefined;
  // Feature-extraction and fine-tuning engines start while the data loads.
  const engines = startRunEngines({
    options,
    backend: backend.chosen,
    backbone,
    backboneSpec,
    output,
    ...(sessionThread ? { sessionThread } : {}),
  });
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
      decodePrefetch,
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
    const workers = await engines.features;
    if (configRecord !== undefined) await recordRunEngine(run, configRecord, engines);
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
    const prefixRunner = prefixRunnerFor(options.engine);
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
      gradientComputer: await engines.gradients,
      ...(prefixRunner ? { prefixRunner } : {}),
    });
  } finally {
    // The engines close (ONNX Runtime's session thread ~40 ms) while the cache is trimmed to
    // GRAFT_FEATURE_CACHE_BYTES (least recently used entries go first; ~25 ms): neither uses
    // the other.
    await Promise.all([
      featureStore
        ?.trim()
        .catch((error: unknown) =>
          output.error(`graft: warning: feature cache not trimmed (${(error as Error).message})`),
        ),
      engines.features.catch(() => undefined).then((engine) => engine?.close()),
      engines.gradients.catch(() => undefined).then((engine) => engine?.close()),
    ]);
    if (decodePrefetch) output.verbose(describeDecodePrefetch(decodePrefetch));
    // Asked only with --verbose: it loads the decoder's library on this thread.
    if (output.isVerbose) output.verbose(describeJpegDecoder(jpegDecoder()));
    await decodePrefetch?.close();
    lossTerms?.dispose();
    head?.dispose();
    backbone.dispose();
  }
}
