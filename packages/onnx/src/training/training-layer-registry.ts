import { type RegisterOptions, Registry } from '@graft/core';
import { addTraining } from './layers/add-training.js';
import { batchNormalizationTraining } from './layers/batch-normalization-training.js';
import { conv2dTraining, depthwiseConv2dTraining } from './layers/convolution-training.js';
import { denseTraining } from './layers/dense-training.js';
import {
  activationTraining,
  hardSigmoidTraining,
  hardSwishTraining,
} from './layers/elementwise-activation-training.js';
import { layerNormalizationTraining } from './layers/layer-normalization-training.js';
import { layerScaleTraining } from './layers/layer-scale-training.js';
import { multiplyTraining } from './layers/multiply-training.js';
import { globalAveragePooling2dTraining, maxPooling2dTraining } from './layers/pooling-training.js';
import { reluTraining } from './layers/relu-training.js';
import { reshapeTraining } from './layers/reshape-training.js';
import { stochasticDepthTraining } from './layers/stochastic-depth-training.js';
import { zeroPadding2dTraining } from './layers/zero-padding-training.js';
import type { TrainingLayer } from './training-layer.js';

const registry = new Registry<TrainingLayer>({ kind: 'ONNX training layer' });
let builtinsRegistered = false;

const builtins: Record<string, TrainingLayer> = {
  Conv2D: conv2dTraining,
  DepthwiseConv2D: depthwiseConv2dTraining,
  BatchNormalization: batchNormalizationTraining,
  ReLU: reluTraining,
  Add: addTraining,
  ZeroPadding2D: zeroPadding2dTraining,
  GlobalAveragePooling2D: globalAveragePooling2dTraining,
  MaxPooling2D: maxPooling2dTraining,
  // The torchvision ports' layers (MobileNetV3, EfficientNet, ConvNeXt).
  Activation: activationTraining,
  Dense: denseTraining,
  Multiply: multiplyTraining,
  Reshape: reshapeTraining,
  LayerNormalization: layerNormalizationTraining,
  GraftHardSwish: hardSwishTraining,
  GraftHardSigmoid: hardSigmoidTraining,
  GraftLayerScale: layerScaleTraining,
  GraftStochasticDepth: stochasticDepthTraining,
};

/** The training-layer registry, built-ins added on first use (no import side effects). */
export function trainingLayerRegistry(): Registry<TrainingLayer> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    for (const [className, layer] of Object.entries(builtins)) {
      if (!registry.has(className)) registry.register(className, layer);
    }
  }
  return registry;
}

/**
 * Adds (or replaces) the forward/backward nodes of a tfjs layer class for ONNX training graphs,
 * keyed by `layer.getClassName()`, so backbones with custom layers fine-tune on ONNX Runtime.
 */
export function registerTrainingLayer(
  className: string,
  layer: TrainingLayer,
  options?: RegisterOptions,
): void {
  trainingLayerRegistry().register(className, layer, options);
}

/** Layer class names ONNX training graphs support, sorted. */
export function listTrainingLayers(): string[] {
  return trainingLayerRegistry().names();
}
