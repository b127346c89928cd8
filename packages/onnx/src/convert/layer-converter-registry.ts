import { type RegisterOptions, Registry } from '@graft/core';
import type { LayerConverter } from './layer-converter.js';
import {
  activationConverter,
  eluConverter,
  leakyReluConverter,
  reluConverter,
  softmaxConverter,
} from './layers/activation-layers.js';
import { batchNormalizationConverter } from './layers/batch-normalization.js';
import {
  conv2dConverter,
  depthwiseConv2dConverter,
  fusedConvolutionConverter,
} from './layers/convolution.js';
import { denseConverter } from './layers/dense.js';
import { hardSigmoidLayerConverter, hardSwishLayerConverter } from './layers/hard-activations.js';
import { layerNormalizationConverter } from './layers/layer-normalization.js';
import { layerScaleConverter } from './layers/layer-scale.js';
import {
  addConverter,
  averageConverter,
  concatenateConverter,
  maximumConverter,
  minimumConverter,
  multiplyConverter,
} from './layers/merge.js';
import { nestedModelConverter } from './layers/nested-model.js';
import {
  averagePooling2dConverter,
  globalAveragePooling2dConverter,
  globalMaxPooling2dConverter,
  maxPooling2dConverter,
} from './layers/pooling.js';
import { flattenConverter, identityConverter, reshapeConverter } from './layers/reshaping.js';
import { zeroPadding2dConverter } from './layers/zero-padding.js';

const registry = new Registry<LayerConverter>({ kind: 'ONNX layer converter' });
let builtinsRegistered = false;

/** Built-in converters by tfjs class name (`layer.getClassName()`). */
const builtins: Record<string, LayerConverter> = {
  Conv2D: conv2dConverter,
  DepthwiseConv2D: depthwiseConv2dConverter,
  // @graft/backbones' inference-only convolution (BatchNorm folded), see FusedConvolution.
  GraftFusedConvolution: fusedConvolutionConverter,
  BatchNormalization: batchNormalizationConverter,
  ReLU: reluConverter,
  Activation: activationConverter,
  LeakyReLU: leakyReluConverter,
  ELU: eluConverter,
  Softmax: softmaxConverter,
  Add: addConverter,
  Multiply: multiplyConverter,
  Maximum: maximumConverter,
  Minimum: minimumConverter,
  Average: averageConverter,
  Concatenate: concatenateConverter,
  ZeroPadding2D: zeroPadding2dConverter,
  GlobalAveragePooling2D: globalAveragePooling2dConverter,
  GlobalMaxPooling2D: globalMaxPooling2dConverter,
  MaxPooling2D: maxPooling2dConverter,
  AveragePooling2D: averagePooling2dConverter,
  Dense: denseConverter,
  Flatten: flattenConverter,
  Reshape: reshapeConverter,
  LayerNormalization: layerNormalizationConverter,
  // @graft/backbones' torchvision ports (MobileNetV3, EfficientNet, ConvNeXt), by class name.
  GraftHardSwish: hardSwishLayerConverter,
  GraftHardSigmoid: hardSigmoidLayerConverter,
  GraftLayerScale: layerScaleConverter,
  GraftStochasticDepth: identityConverter,
  // Identity at inference.
  Dropout: identityConverter,
  SpatialDropout1D: identityConverter,
  GaussianNoise: identityConverter,
  GaussianDropout: identityConverter,
  AlphaDropout: identityConverter,
  // Models used as layers are inlined.
  Model: nestedModelConverter,
  Functional: nestedModelConverter,
  Sequential: nestedModelConverter,
};

/** The layer-converter registry, built-ins added on first use (no import side effects). */
export function layerConverterRegistry(): Registry<LayerConverter> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    for (const [className, converter] of Object.entries(builtins)) {
      if (!registry.has(className)) registry.register(className, converter);
    }
  }
  return registry;
}

/**
 * Adds (or replaces) the converter of a tfjs layer class, keyed by `layer.getClassName()`, so
 * models with custom layers convert: `registerLayerConverter('MyScale', { convert: … })`.
 */
export function registerLayerConverter(
  className: string,
  converter: LayerConverter,
  options?: RegisterOptions,
): void {
  layerConverterRegistry().register(className, converter, options);
}

/** Removes a layer converter; returns whether one was registered. */
export function unregisterLayerConverter(className: string): boolean {
  return layerConverterRegistry().unregister(className);
}

/** Layer class names that convert, sorted. */
export function listLayerConverters(): string[] {
  return layerConverterRegistry().names();
}
