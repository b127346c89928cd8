import type { BackboneDescriptor, WeightSource } from '@graft/core';
import { imageNetClassLabels } from '../mobilenet-v2/mobilenet-v2-weights.js';
import {
  type CreateTorchvisionBackboneOptions,
  createTorchvisionBackbone,
  torchvisionWeightFormats,
} from '../torchvision/create-torchvision-backbone.js';
import { torchvisionClassificationPreprocessing } from '../torchvision/torchvision-preprocessing.js';
import {
  buildConvNextTiny,
  convNextFeatureMapLayer,
  convNextStages,
  convNextTinyFeatureDim,
} from './convnext-architecture.js';

const file = 'convnext_tiny-983f1562.pth';

/** torchvision's `IMAGENET1K_V1` ConvNeXt-Tiny weights (a `torch.save` zip checkpoint). */
export const convNextTinyWeights: WeightSource = {
  name: 'imagenet1k_v1',
  format: 'pytorch',
  url: `https://download.pytorch.org/models/${file}`,
  mirrorPath: `torchvision/${file}`,
  license: 'BSD-3-Clause',
};

/** torchvision's preset for these weights: Resize(236, bilinear), CenterCrop(224). */
const preprocessing = torchvisionClassificationPreprocessing({
  cropSize: 224,
  resizeSize: 236,
  interpolation: 'bilinear',
});

/**
 * The registered descriptor of `convnext_tiny`. Its features are the pooled map after
 * `classifier.0`'s LayerNorm (what torchvision's classifier and timm's pre-logits read).
 * Parameters exclude the 1000-class `classifier.2` (torchvision: 28,589,128 in all).
 */
export const convNextTinyDescriptor: BackboneDescriptor<CreateTorchvisionBackboneOptions> = {
  name: 'convnext_tiny',
  family: 'convnext',
  description: `torchvision ConvNeXt-Tiny (IMAGENET1K_V1), ${convNextTinyFeatureDim}-d features`,
  upstream: {
    imageNetTop1: 82.52,
    gigaFlops: 4.456,
    source: 'torchvision model card (IMAGENET1K_V1)',
  },
  preprocessing,
  featureDim: convNextTinyFeatureDim,
  featureMapLayer: convNextFeatureMapLayer,
  inputSizes: [[224, 224]],
  parameterCount: 27_820_128,
  weights: [convNextTinyWeights],
  weightFormats: torchvisionWeightFormats,
  classLabels: imageNetClassLabels,
  create: (options) =>
    createTorchvisionBackbone(
      {
        name: 'convnext_tiny',
        family: 'convnext',
        source: convNextTinyWeights,
        preprocessing,
        build: ({ inputSize, seed }) =>
          buildConvNextTiny({ inputSize, ...(seed === undefined ? {} : { seed }) }),
        stages: convNextStages,
        featureMapLayer: convNextFeatureMapLayer,
        config: { variant: 'tiny' },
      },
      options,
    ),
};
