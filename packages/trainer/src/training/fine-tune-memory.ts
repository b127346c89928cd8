import type * as tfl from '@tensorflow/tfjs-layers';

// Bytes held per byte of layer output during one fine-tuning micro-batch on tfjs-backend-wasm
// 4.22, fitted on the registered backbones (MobileNetV2 0.35–1.4, ResNet-18…152 at 224; figures
// in the trainer README, script in tooling/bench/memory). The gradient tape keeps every op's
// inputs and outputs, layers' inner ops included, for frozen layers too.
/** Every layer: what the tape keeps of the forward pass. */
const forwardCopies = 3.2;
/** Layers the gradient flows through (from the first trainable one): backward transients. */
const backwardCopies = 1.0;
/** BatchNorm layers computing batch statistics (trainable ones): their extra ops and gradients. */
const batchNormTrainingCopies = 8;
/** Per trainable weight: gradient, running sum over micro-batches, two Adam slots. */
const trainableWeightCopies = 4;
const bytesPerValue = 4;

/** Options of {@link estimateFineTuneMemory}. */
export interface FineTuneMemoryOptions {
  /**
   * The network as it will be trained: `trainable` already set (after freeze/unfreeze), built
   * for one input size so that every layer's output shape is known.
   */
  model: tfl.LayersModel;
  /** Parameters trained besides the model's own (the head's). Default 0. */
  extraTrainableParameters?: number;
}

/** What one fine-tuning step holds on the heap: `fixedBytes + microBatchSize × bytesPerImage`. */
export interface FineTuneMemoryEstimate {
  /** Activations kept for the backward pass and its transients, per image of the micro-batch. */
  bytesPerImage: number;
  /** Bytes that do not grow with the micro-batch: weights, gradients, optimizer slots. */
  fixedBytes: number;
}

/**
 * Estimates the heap one fine-tuning micro-batch needs (forward, backward, gradient accumulation
 * and the optimizer update) from the layers' output sizes and what is trainable. Returns
 * `undefined` when a layer's output shape is not fully known (a model with a free input size).
 */
export function estimateFineTuneMemory(
  options: FineTuneMemoryOptions,
): FineTuneMemoryEstimate | undefined {
  const layers = flattenLayers(options.model.layers);
  let forward = 0;
  let backward = 0;
  let batchNormTraining = 0;
  let gradientFlows = false;
  let trainableParameters = options.extraTrainableParameters ?? 0;
  for (const layer of layers) {
    const values = outputValuesPerImage(layer);
    if (values === undefined) return undefined;
    const trainable = layer.trainable && layer.trainableWeights.length > 0;
    if (trainable) {
      gradientFlows = true;
      trainableParameters += parameterCount(layer.trainableWeights);
      if (layer.getClassName() === 'BatchNormalization') batchNormTraining += values;
    }
    forward += values;
    if (gradientFlows) backward += values;
  }
  const bytesPerImage =
    bytesPerValue *
    (forwardCopies * forward +
      backwardCopies * backward +
      batchNormTrainingCopies * batchNormTraining);
  const fixedBytes =
    bytesPerValue * (options.model.countParams() + trainableWeightCopies * trainableParameters);
  return { bytesPerImage, fixedBytes };
}

/** Bytes of a step at `microBatchSize` images under `estimate`. */
export function fineTuneStepBytes(
  estimate: FineTuneMemoryEstimate,
  microBatchSize: number,
): number {
  return estimate.fixedBytes + microBatchSize * estimate.bytesPerImage;
}

/** Layers in topological order, a nested model's layers in place of it. */
function flattenLayers(layers: readonly tfl.layers.Layer[]): tfl.layers.Layer[] {
  const result: tfl.layers.Layer[] = [];
  for (const layer of layers) {
    const nested = (layer as Partial<tfl.LayersModel>).layers;
    if (Array.isArray(nested)) result.push(...flattenLayers(nested));
    else result.push(layer);
  }
  return result;
}

/** Values of one image's output of `layer`, or undefined when its shape is not known. */
function outputValuesPerImage(layer: tfl.layers.Layer): number | undefined {
  let shapes: tfl.Shape[];
  try {
    // Throws when the layer was called on inputs of several shapes.
    const shape = layer.outputShape;
    shapes = Array.isArray(shape[0]) ? (shape as tfl.Shape[]) : [shape as tfl.Shape];
  } catch {
    return undefined;
  }
  let total = 0;
  for (const shape of shapes) {
    let values = 1;
    for (const size of shape.slice(1)) {
      if (size === null || size === undefined) return undefined;
      values *= size;
    }
    total += values;
  }
  return total;
}

function parameterCount(weights: readonly tfl.LayerVariable[]): number {
  return weights.reduce(
    (sum, weight) => sum + weight.shape.reduce<number>((product, size) => product * (size ?? 1), 1),
    0,
  );
}
