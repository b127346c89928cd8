import { totalmem } from 'node:os';
import { type Backbone, InvalidArgumentError } from '@graft/core';
import { createOnnxTrainingEngine, type FeatureEngineRequest } from '@graft/onnx/node';
import {
  chooseMicroBatchSize,
  createEngineGradientComputer,
  type GradientComputer,
  type TrainingMode,
} from '@graft/trainer';
import type { CommandOutput } from '../output.js';

/** A gradient computer on ONNX Runtime that the run closes when it ends. */
export interface OnnxGradientComputer extends GradientComputer {
  /** Always `onnxruntime`: the trainer's micro-batch need not fit the wasm heap. */
  readonly engine: 'onnxruntime';
  /** Worker threads taking micro-batches in parallel. */
  readonly concurrency: number;
  /** Releases the engine's sessions. */
  close(): Promise<void>;
}

/**
 * Starts the ONNX Runtime fine-tuning engine when the run fine-tunes on pixels and `--engine`
 * allows it (`auto`: when onnxruntime-node loads and every backbone layer has an ONNX training
 * layer, else tfjs with the reason; `onnx`: either is the run's error; `tfjs`: never). The
 * backbone's forward and backward passes then run on native kernels on every core; the head,
 * the loss and the optimiser stay in tfjs. Undefined when the steps stay on tfjs (the training
 * workers may take them).
 */
export async function startFineTuningEngine(options: {
  /** `--engine`. */
  requested: FeatureEngineRequest;
  /** The run's backbone. */
  backbone: Backbone;
  config: {
    mode: TrainingMode;
    unfreezeFrom?: string | undefined;
    frozenPrefixCache?: 'auto' | 'off';
    augment?: string | undefined;
    loss?: string;
    classWeight?: string | undefined;
    labelSmoothing?: number;
  };
  /** Extra loss terms (distillation, CORAL), which the trainer computes in this thread. */
  lossTerms?: unknown;
  output: CommandOutput;
}): Promise<OnnxGradientComputer | undefined> {
  const { config, output, requested } = options;
  if (config.mode !== 'fine-tune' || requested === 'tfjs') return undefined;
  // Steps the trainer keeps in this thread whatever the computer (see startTrainingWorkersFor):
  // the frozen-prefix cache, extra loss terms, hard-label loss options.
  const prefixCache =
    config.unfreezeFrom !== undefined &&
    config.frozenPrefixCache !== 'off' &&
    config.augment === undefined;
  const hardLabel =
    (config.loss !== undefined && config.loss !== 'cross-entropy') ||
    config.classWeight !== undefined ||
    (config.labelSmoothing ?? 0) > 0;
  if (options.lossTerms !== undefined || prefixCache || hardLabel) return undefined;
  let engine: Awaited<ReturnType<typeof createOnnxTrainingEngine>>;
  try {
    engine = await createOnnxTrainingEngine();
  } catch (error) {
    if (requested === 'onnx') throw error;
    output.info(
      `fine-tuning engine: tfjs — ONNX Runtime is not available (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
  const reason = engine.unsupportedReason(options.backbone);
  if (reason !== undefined) {
    await engine.close();
    if (requested === 'onnx') {
      throw new InvalidArgumentError({
        argument: '--engine',
        value: requested,
        expected: `a backbone ONNX Runtime can fine-tune; ${options.backbone.name}: ${reason} (use --engine auto or tfjs)`,
      });
    }
    output.info(`fine-tuning engine: tfjs — ${reason}`);
    return undefined;
  }
  output.info(
    `fine-tuning engine: onnxruntime (${engine.engine.detail}) — backbone forward and backward on ONNX Runtime, head and optimiser in tfjs`,
  );
  const computer = createEngineGradientComputer({ engine });
  return {
    engine: 'onnxruntime',
    concurrency: engine.concurrency,
    computeGradients: (request) => computer.computeGradients(request),
    close: () => engine.close(),
  };
}

/** Whether `computer` is the ONNX Runtime engine's (its micro-batch is not heap-bound). */
export function isOnnxGradientComputer(
  computer: GradientComputer | undefined,
): computer is OnnxGradientComputer {
  return (computer as Partial<OnnxGradientComputer> | undefined)?.engine === 'onnxruntime';
}

/**
 * Share of this machine's memory the ONNX engine's default micro-batches may fill, all workers
 * together (the rest: the process, tfjs's heap with the head and optimiser, the data pipeline).
 */
export const onnxMemoryShare = 0.5;

/**
 * The default micro-batch on the ONNX Runtime engine: one per worker (they run in parallel),
 * fewer images when the estimated step of all workers would not fit {@link onnxMemoryShare} of
 * this machine's memory. The estimate (`chooseMicroBatchSize`'s, made for tfjs, which errs high
 * for ONNX Runtime) counts every layer as trainable: one size holds for every unfreeze stage.
 */
export function onnxMicroBatch(options: {
  /** The run's backbone, `trainable` set as it will be trained. */
  backbone: Backbone;
  /** Images per optimiser step. */
  batchSize: number;
  /** The engine's worker threads. */
  concurrency: number;
  /** This machine's memory. Default `os.totalmem()`. */
  totalMemoryBytes?: number;
}): { microBatchSize: number; reason: string } {
  const perWorker = Math.ceil(options.batchSize / options.concurrency);
  const budgetBytes =
    ((options.totalMemoryBytes ?? totalmem()) * onnxMemoryShare) / options.concurrency;
  const size = options.backbone.preprocessing.inputSize;
  const model = options.backbone.model;
  const trainable = model.layers.map((layer) => layer.trainable);
  let choice: ReturnType<typeof chooseMicroBatchSize>;
  try {
    for (const layer of model.layers) layer.trainable = true;
    choice = chooseMicroBatchSize({
      model,
      inputSize: [size[0], size[1]],
      batchSize: perWorker,
      budgetBytes,
    });
  } finally {
    model.layers.forEach((layer, index) => {
      layer.trainable = trainable[index] as boolean;
    });
  }
  const of = `micro-batch ${choice.microBatchSize} of ${options.batchSize}`;
  const reason =
    choice.microBatchSize === perWorker
      ? `${of}: one per ONNX Runtime worker (${options.concurrency}, in parallel; native memory)`
      : `${of}: ${options.concurrency} ONNX Runtime workers in parallel, each step estimated within ${(budgetBytes / 2 ** 30).toFixed(1)} GiB (${Math.round(onnxMemoryShare * 100)} % of this machine's memory over the workers)`;
  return { microBatchSize: choice.microBatchSize, reason };
}
