import type { BackboneDescriptor } from '@graft/core';
import { type CreateResNetOptions, createResNet } from './create-resnet.js';
import {
  type ResNetDepth,
  resNetFeatureDim,
  resNetFeatureMapLayer,
} from './resnet-architecture.js';
import { torchvisionPreprocessing, torchvisionWeights } from './resnet-weights.js';

/** Parameters of the feature extractor (torchvision's count minus the 1000-class `fc`). */
const featureParameters: Record<ResNetDepth, number> = {
  18: 11_176_512,
  34: 21_284_672,
  50: 23_508_032,
  101: 42_500_160,
  152: 58_143_808,
};

/** The registered descriptor of `resnet<depth>`. */
export function resNetDescriptor(depth: ResNetDepth): BackboneDescriptor<CreateResNetOptions> {
  return {
    name: `resnet${depth}`,
    family: 'resnet',
    description: `torchvision ResNet-${depth} (v1.5), ImageNet-1k weights, ${resNetFeatureDim(depth)}-d features`,
    preprocessing: torchvisionPreprocessing,
    featureDim: resNetFeatureDim(depth),
    featureMapLayer: resNetFeatureMapLayer(depth),
    inputSizes: [[224, 224]],
    parameterCount: featureParameters[depth],
    weights: [torchvisionWeights(depth)],
    classLabels: {
      // Same 1000 classes in the same (sorted WordNet id) order as torchvision's.
      url: 'https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json',
      mirrorPath: 'imagenet_class_index.json',
    },
    create: (options) => createResNet({ ...options, depth }),
  };
}

/** Descriptors of `resnet18` … `resnet152`. */
export const resNetDescriptors: ReadonlyArray<BackboneDescriptor<CreateResNetOptions>> = (
  [18, 34, 50, 101, 152] as const
).map(resNetDescriptor);
