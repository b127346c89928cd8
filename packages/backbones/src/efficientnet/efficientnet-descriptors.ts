import type { BackboneDescriptor, WeightSource } from '@graft/core';
import { imageNetClassLabels } from '../mobilenet-v2/mobilenet-v2-weights.js';
import {
  type CreateTorchvisionBackboneOptions,
  createTorchvisionBackbone,
  torchvisionWeightFormats,
} from '../torchvision/create-torchvision-backbone.js';
import { torchvisionClassificationPreprocessing } from '../torchvision/torchvision-preprocessing.js';
import {
  buildEfficientNet,
  type EfficientNetVariant,
  efficientNetFeatureDim,
  efficientNetFeatureMapLayer,
  efficientNetScalings,
  efficientNetStages,
  efficientNetVariants,
} from './efficientnet-architecture.js';

/**
 * torchvision's `IMAGENET1K_V1` weights of each variant (ported from Ross Wightman's timm
 * training), with what torchvision's model card states (quoted, not measured here). FLOPs are
 * torchvision 0.15+'s `_ops` (GFLOPS) at the variant's input size. Parameters exclude the
 * 1000-class classifier.
 */
const upstream: Record<
  EfficientNetVariant,
  { file: string; top1: number; gflops: number; parameters: number }
> = {
  b0: {
    file: 'efficientnet_b0_rwightman-3dd342df.pth',
    top1: 77.692,
    gflops: 0.386,
    parameters: 4_007_548,
  },
  b1: {
    file: 'efficientnet_b1_rwightman-533bc792.pth',
    top1: 78.642,
    gflops: 0.687,
    parameters: 6_513_184,
  },
  b2: {
    file: 'efficientnet_b2_rwightman-bcdf34b7.pth',
    top1: 80.608,
    gflops: 1.088,
    parameters: 7_700_994,
  },
  b3: {
    file: 'efficientnet_b3_rwightman-cf984f9c.pth',
    top1: 82.008,
    gflops: 1.827,
    parameters: 10_696_232,
  },
};

/** torchvision's ImageNet weights of EfficientNet `variant` (a `torch.save` zip checkpoint). */
export function efficientNetWeights(variant: EfficientNetVariant): WeightSource {
  const { file } = upstream[variant];
  return {
    name: 'imagenet1k_v1',
    format: 'pytorch',
    url: `https://download.pytorch.org/models/${file}`,
    mirrorPath: `torchvision/${file}`,
    license: 'Apache-2.0 (timm-trained weights redistributed by torchvision, BSD-3-Clause code)',
  };
}

/** The registered descriptor of `efficientnet_<variant>`. */
export function efficientNetDescriptor(
  variant: EfficientNetVariant,
): BackboneDescriptor<CreateTorchvisionBackboneOptions> {
  const name = `efficientnet_${variant}`;
  const facts = upstream[variant];
  const scaling = efficientNetScalings[variant];
  const preprocessing = torchvisionClassificationPreprocessing({
    cropSize: scaling.inputSize,
    resizeSize: scaling.resizeSize,
    interpolation: 'bicubic',
  });
  return {
    name,
    family: 'efficientnet',
    description: `torchvision EfficientNet-${variant.toUpperCase()} (IMAGENET1K_V1), ${efficientNetFeatureDim(variant)}-d features`,
    upstream: {
      imageNetTop1: facts.top1,
      gigaFlops: facts.gflops,
      source: 'torchvision model card (IMAGENET1K_V1)',
    },
    preprocessing,
    featureDim: efficientNetFeatureDim(variant),
    featureMapLayer: efficientNetFeatureMapLayer,
    inputSizes: [[scaling.inputSize, scaling.inputSize]],
    parameterCount: facts.parameters,
    weights: [efficientNetWeights(variant)],
    weightFormats: torchvisionWeightFormats,
    classLabels: imageNetClassLabels,
    create: (options) =>
      createTorchvisionBackbone(
        {
          name,
          family: 'efficientnet',
          source: efficientNetWeights(variant),
          preprocessing,
          build: ({ inputSize, seed }) =>
            buildEfficientNet({
              variant,
              inputSize,
              name,
              ...(seed === undefined ? {} : { seed }),
            }),
          stages: efficientNetStages,
          featureMapLayer: efficientNetFeatureMapLayer,
          config: { variant },
        },
        options,
      ),
  };
}

/** Descriptors of `efficientnet_b0` … `efficientnet_b3`. */
export function efficientNetDescriptors(): BackboneDescriptor<CreateTorchvisionBackboneOptions>[] {
  return efficientNetVariants.map(efficientNetDescriptor);
}
