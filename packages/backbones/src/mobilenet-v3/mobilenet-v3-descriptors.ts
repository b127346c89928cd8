import type { BackboneDescriptor, WeightSource } from '@graft/core';
import { imageNetClassLabels } from '../mobilenet-v2/mobilenet-v2-weights.js';
import {
  type CreateTorchvisionBackboneOptions,
  createTorchvisionBackbone,
  torchvisionWeightFormats,
} from '../torchvision/create-torchvision-backbone.js';
import { torchvisionClassificationPreprocessing } from '../torchvision/torchvision-preprocessing.js';
import {
  buildMobileNetV3,
  type MobileNetV3Variant,
  mobileNetV3FeatureDim,
  mobileNetV3FeatureMapLayer,
  mobileNetV3Stages,
  mobileNetV3Variants,
} from './mobilenet-v3-architecture.js';

/**
 * torchvision's default ImageNet weights of each variant, with what torchvision's model card
 * states about them (quoted, not measured here): `IMAGENET1K_V1` for small, `IMAGENET1K_V2` for
 * large. FLOPs are torchvision 0.15+'s `_ops` (GFLOPS, multiply-adds) at 224.
 */
const upstream: Record<
  MobileNetV3Variant,
  {
    file: string;
    weights: string;
    resizeSize: number;
    top1: number;
    gflops: number;
    parameters: number;
  }
> = {
  small: {
    file: 'mobilenet_v3_small-047dcff4.pth',
    weights: 'IMAGENET1K_V1',
    resizeSize: 256,
    top1: 67.668,
    gflops: 0.057,
    parameters: 927_008,
  },
  large: {
    file: 'mobilenet_v3_large-5c1a4163.pth',
    weights: 'IMAGENET1K_V2',
    resizeSize: 232,
    top1: 75.274,
    gflops: 0.217,
    parameters: 2_971_952,
  },
};

/** torchvision's ImageNet weights of MobileNetV3 `variant` (a `torch.save` zip checkpoint). */
export function mobileNetV3Weights(variant: MobileNetV3Variant): WeightSource {
  const { file } = upstream[variant];
  return {
    name: upstream[variant].weights.toLowerCase(),
    format: 'pytorch',
    url: `https://download.pytorch.org/models/${file}`,
    mirrorPath: `torchvision/${file}`,
    license: 'BSD-3-Clause',
  };
}

/** The registered descriptor of `mobilenet_v3_<variant>`. */
export function mobileNetV3Descriptor(
  variant: MobileNetV3Variant,
): BackboneDescriptor<CreateTorchvisionBackboneOptions> {
  const name = `mobilenet_v3_${variant}`;
  const facts = upstream[variant];
  const preprocessing = torchvisionClassificationPreprocessing({
    cropSize: 224,
    resizeSize: facts.resizeSize,
    interpolation: 'bilinear',
  });
  return {
    name,
    family: 'mobilenet_v3',
    description: `torchvision MobileNetV3-${variant === 'small' ? 'Small' : 'Large'} (${facts.weights}), ${mobileNetV3FeatureDim(variant)}-d features`,
    upstream: {
      imageNetTop1: facts.top1,
      gigaFlops: facts.gflops,
      source: `torchvision model card (${facts.weights})`,
    },
    preprocessing,
    featureDim: mobileNetV3FeatureDim(variant),
    featureMapLayer: mobileNetV3FeatureMapLayer(variant),
    inputSizes: [[224, 224]],
    parameterCount: facts.parameters,
    weights: [mobileNetV3Weights(variant)],
    weightFormats: torchvisionWeightFormats,
    classLabels: imageNetClassLabels,
    create: (options) =>
      createTorchvisionBackbone(
        {
          name,
          family: 'mobilenet_v3',
          source: mobileNetV3Weights(variant),
          preprocessing,
          build: ({ inputSize, seed }) =>
            buildMobileNetV3({
              variant,
              inputSize,
              name,
              ...(seed === undefined ? {} : { seed }),
            }),
          stages: mobileNetV3Stages(variant),
          featureMapLayer: mobileNetV3FeatureMapLayer(variant),
          config: { variant },
        },
        options,
      ),
  };
}

/** Descriptors of `mobilenet_v3_small` and `mobilenet_v3_large`. */
export function mobileNetV3Descriptors(): BackboneDescriptor<CreateTorchvisionBackboneOptions>[] {
  return mobileNetV3Variants.map(mobileNetV3Descriptor);
}
