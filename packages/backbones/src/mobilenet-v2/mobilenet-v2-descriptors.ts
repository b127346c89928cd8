import type { BackboneDescriptor } from '@graft/core';
import {
  type MobileNetV2Alpha,
  mobileNetV2Alphas,
  mobileNetV2FeatureDim,
} from './build-mobilenet-v2.js';
import {
  createMobileNetV2,
  type MobileNetV2Options,
  mobileNetV2Name,
  mobileNetV2Preprocessing,
} from './create-mobilenet-v2.js';
import { imageNetClassLabels, mobileNetV2WeightSources } from './mobilenet-v2-weights.js';

/** Parameters of the no-top feature extractor (Keras `MobileNetV2(include_top=False)`). */
const parameterCounts: Record<MobileNetV2Alpha, number> = {
  0.35: 410_208,
  0.5: 706_224,
  0.75: 1_382_064,
  1.0: 2_257_984,
  1.3: 3_766_048,
  1.4: 4_363_712,
};

/** The registry descriptor of MobileNetV2 at `alpha` (ImageNet weights, 224). */
export function mobileNetV2Descriptor(
  alpha: MobileNetV2Alpha,
): BackboneDescriptor<MobileNetV2Options> {
  return {
    name: mobileNetV2Name(alpha),
    family: 'mobilenet_v2',
    description: `MobileNetV2 α=${alpha} (Keras applications), ImageNet weights, ${mobileNetV2FeatureDim(alpha)}-d features`,
    preprocessing: mobileNetV2Preprocessing([224, 224]),
    featureDim: mobileNetV2FeatureDim(alpha),
    featureMapLayer: 'out_relu',
    inputSizes: [
      [96, 96],
      [128, 128],
      [160, 160],
      [192, 192],
      [224, 224],
    ],
    parameterCount: parameterCounts[alpha],
    weights: mobileNetV2WeightSources(alpha),
    // Keras-named weights in either format load into every alpha (shapes are checked on load).
    weightFormats: ['keras-h5', 'tfjs-layers'],
    classLabels: imageNetClassLabels,
    create: (options) => createMobileNetV2({ ...options, alpha }),
  };
}

/** Descriptors of every built-in MobileNetV2 (`mobilenet_v2_0.35_224` … `mobilenet_v2_1.4_224`). */
export function mobileNetV2Descriptors(): BackboneDescriptor<MobileNetV2Options>[] {
  return mobileNetV2Alphas.map(mobileNetV2Descriptor);
}
