import type { Backbone } from '@graft/core';
import type { StartedSessionThread } from '@graft/onnx/node';
import type { GradientComputer, TrainingMode } from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import { resolveExtractionWorkers, startExtractionWorkers } from './extraction-workers.js';
import { type ClosableFeatureComputer, startFeatureEngine } from './feature-engine.js';
import { type OnnxGradientComputer, startFineTuningEngine } from './fine-tuning-engine.js';
import type { RunTrainingOptions } from './run-training-options.js';
import type { TrainingBackboneSpec } from './training-backbone.js';
import { startTrainingWorkersFor } from './training-workers.js';

/** A gradient computer the run closes when it ends. */
export type ClosableGradientComputer = GradientComputer & { close(): Promise<void> };

/** The engines a run starts while its data loads; each promise is closed by the run. */
export interface StartingRunEngines {
  /** What computes frozen features: ONNX Runtime, tfjs workers, or undefined for this thread. */
  features: Promise<ClosableFeatureComputer | undefined>;
  /** What computes fine-tuning gradients: ONNX Runtime, tfjs workers, or this thread. */
  gradients: Promise<ClosableGradientComputer | undefined>;
}

/** How the run's feature engine extracts: from a frozen backbone, or the fine-tuned one's passes. */
export function extractionModeOf(config: RunTrainingOptions['config']): TrainingMode {
  // A staged unfreeze without the frozen-prefix cache featurises for its frozen epochs first
  // (with the cache, both stages train on activations computed in this thread).
  return config.freezeEpochs > 0 && config.frozenPrefixCache === 'off'
    ? 'feature-extraction'
    : config.mode;
}

/**
 * Starts the feature engine and the fine-tuning engine without waiting for them, so they start
 * while the data loads. Their failures surface where the run awaits them.
 */
export function startRunEngines(settings: {
  /** The run's options (`--engine`, worker counts, loss terms). */
  options: RunTrainingOptions;
  /** The chosen tfjs backend. */
  backend: string;
  /** The loaded backbone. */
  backbone: Backbone;
  /** How workers load their own backbone. */
  backboneSpec: TrainingBackboneSpec;
  /** Where to say what starts. */
  output: CommandOutput;
  /**
   * The ONNX Runtime session thread started ahead (early-session-thread.ts), for the feature
   * engine; it closes it when it runs tfjs.
   */
  sessionThread?: StartedSessionThread;
}): StartingRunEngines {
  const { options, backend, backbone, backboneSpec, output, sessionThread } = settings;
  const { config } = options;
  const extractionMode = extractionModeOf(config);
  const workerCount = resolveExtractionWorkers({
    requested: options.extractionWorkers ?? 'auto',
    backend,
    mode: extractionMode,
  });
  const features = startFeatureEngine({
    // `--engine onnx` while fine-tuning asks for the fine-tuning engine (startFineTuningEngine);
    // the unfrozen backbone's own passes are not frozen extraction.
    requested:
      extractionMode === 'fine-tune' && options.engine === 'onnx'
        ? 'auto'
        : (options.engine ?? 'auto'),
    backbone,
    frozen: extractionMode === 'feature-extraction',
    output,
    ...(sessionThread ? { sessionThread } : {}),
    startTfjs: () => {
      if (workerCount <= 1) return undefined;
      output.info(`starting ${workerCount} feature-extraction workers (one backbone each)…`);
      return startExtractionWorkers({ workers: workerCount, backend, backbone: backboneSpec });
    },
  });
  features.catch(() => undefined);
  // Fine-tuning steps on ONNX Runtime when it can take them, else the tfjs training workers.
  const gradients: Promise<ClosableGradientComputer | undefined> = startFineTuningEngine({
    requested: options.engine ?? 'auto',
    backbone,
    config,
    ...(options.lossTerms !== undefined ? { lossTerms: options.lossTerms } : {}),
    output,
  }).then(
    (engine): Promise<ClosableGradientComputer | undefined> | OnnxGradientComputer =>
      engine ??
      startTrainingWorkersFor(options, backend, backboneSpec) ??
      Promise.resolve(undefined),
  );
  gradients.catch(() => undefined);
  return { features, gradients };
}
