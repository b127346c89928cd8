import type * as tfl from '@tensorflow/tfjs-layers';
import {
  estimateFineTuneMemory,
  type FineTuneMemoryEstimate,
  fineTuneStepBytes,
} from './fine-tune-memory.js';

/** The wasm backend's heap limit (wasm32): 4 GiB, per thread (each worker has its own). */
export const wasmHeapLimitBytes = 2 ** 32;
/**
 * Share of the heap the estimate of a default micro-batch may fill. The rest is for what the
 * estimate does not count (the batch's images, heap fragmentation, the estimate's own error,
 * the runtime's reserve for the wasm module's own allocations).
 */
export const microBatchHeapShare = 0.6;

/** Options of {@link chooseMicroBatchSize}. */
export interface ChooseMicroBatchSizeOptions {
  /** The backbone's network, `trainable` set as it will be trained. */
  model: tfl.LayersModel;
  /** Its input height and width (for models whose layer shapes are not known). */
  inputSize: readonly [number, number];
  /** Images per optimiser step: the micro-batch is at most this. */
  batchSize: number;
  /** Parameters trained besides the model's (the head's). Default 0. */
  extraTrainableParameters?: number;
  /** Micro-batch asked for by the caller; wins over the estimate (at most `batchSize`). */
  requested?: number;
  /** Bytes a step may use. Default {@link microBatchHeapShare} of {@link wasmHeapLimitBytes}. */
  budgetBytes?: number;
}

/** The micro-batch fine-tuning uses, and why. */
export interface MicroBatchChoice {
  /** Images per forward/backward pass. */
  microBatchSize: number;
  /** How it was chosen: `requested`, `estimate`, or `pixels` (layer shapes unknown). */
  source: 'requested' | 'estimate' | 'pixels';
  /** The memory estimate, when the model's layer shapes are known. */
  estimate?: FineTuneMemoryEstimate;
  /** Bytes a step may use. */
  budgetBytes: number;
  /** Largest micro-batch whose estimate fits the budget (at least 1), when estimated. */
  largestFitting?: number;
  /** One line for logs: the size and the reason. */
  reason: string;
}

/**
 * The fine-tuning micro-batch: the requested one, else the largest (at most `batchSize`) whose
 * estimated step (see `estimateFineTuneMemory`) stays within the budget, 60 % of the 4 GiB wasm
 * heap by default. The budget is per heap: with data-parallel workers, per worker.
 */
export function chooseMicroBatchSize(options: ChooseMicroBatchSizeOptions): MicroBatchChoice {
  const budgetBytes = options.budgetBytes ?? microBatchHeapShare * wasmHeapLimitBytes;
  const estimate = estimateFineTuneMemory({
    model: options.model,
    ...(options.extraTrainableParameters !== undefined
      ? { extraTrainableParameters: options.extraTrainableParameters }
      : {}),
  });
  const largestFitting =
    estimate === undefined
      ? undefined
      : Math.max(1, Math.floor((budgetBytes - estimate.fixedBytes) / estimate.bytesPerImage));
  const base = {
    budgetBytes,
    ...(estimate ? { estimate } : {}),
    ...(largestFitting !== undefined ? { largestFitting } : {}),
  };
  const of = `of ${options.batchSize}`;
  if (options.requested !== undefined) {
    const microBatchSize = Math.max(1, Math.min(options.requested, options.batchSize));
    const fits =
      estimate === undefined
        ? ''
        : `, estimated ${formatBytes(fineTuneStepBytes(estimate, microBatchSize))} per step${
            largestFitting !== undefined && microBatchSize > largestFitting
              ? ` (over the ${formatBytes(budgetBytes)} budget: ${largestFitting} would fit)`
              : ''
          }`;
    return {
      ...base,
      microBatchSize,
      source: 'requested',
      reason: `micro-batch ${microBatchSize} ${of}: as requested${fits}`,
    };
  }
  if (estimate === undefined || largestFitting === undefined) {
    const microBatchSize = defaultMicroBatchSize(options.inputSize, options.batchSize);
    return {
      ...base,
      microBatchSize,
      source: 'pixels',
      reason: `micro-batch ${microBatchSize} ${of}: 8 images' worth of 224×224 pixels (layer output shapes unknown, no memory estimate)`,
    };
  }
  const microBatchSize = Math.min(largestFitting, options.batchSize);
  const stepBytes = fineTuneStepBytes(estimate, microBatchSize);
  const over = stepBytes > budgetBytes ? ' (over budget even at 1: unfreeze fewer layers)' : '';
  return {
    ...base,
    microBatchSize,
    source: 'estimate',
    reason:
      `micro-batch ${microBatchSize} ${of}: estimated ${formatBytes(stepBytes)} per step ` +
      `(${formatBytes(estimate.bytesPerImage)} per image for what is trainable + ` +
      `${formatBytes(estimate.fixedBytes)} weights and optimizer state), ` +
      `within ${Math.round((budgetBytes / wasmHeapLimitBytes) * 100)} % of the 4 GiB wasm heap${over}`,
  };
}

/**
 * The micro-batch when no memory estimate is possible (layer output shapes unknown): 8 images at
 * 224×224, scaled by pixel count, at most the batch.
 */
export function defaultMicroBatchSize(
  inputSize: readonly [number, number],
  batchSize: number,
): number {
  const pixels = inputSize[0] * inputSize[1];
  return Math.max(1, Math.min(batchSize, Math.floor((8 * 224 * 224) / pixels)));
}

/** `bytes` as MiB below 1 GiB, else GiB. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : `${Math.round(bytes / 2 ** 20)} MiB`;
}
