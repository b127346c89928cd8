import type { Preprocessing, WeightSource } from '@graft/core';
import type { ResNetDepth } from './resnet-architecture.js';

/** torchvision's ImageNet preprocessing (timm `tv_in1k` pretrained config). */
export const torchvisionPreprocessing: Preprocessing = {
  inputSize: [224, 224],
  channelOrder: 'rgb',
  inputRange: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
};

/**
 * torchvision's original ImageNet weights (`IMAGENET1K_V1`, e.g. `resnet18-f37072fd.pth`) as
 * timm republishes them in safetensors on the Hugging Face Hub (`timm/resnet<depth>.tv_in1k`).
 */
export function torchvisionWeights(depth: ResNetDepth): WeightSource {
  const repository = `timm/resnet${depth}.tv_in1k`;
  return {
    name: 'tv_in1k',
    format: 'safetensors',
    url: `https://huggingface.co/${repository}/resolve/main/model.safetensors`,
    mirrorPath: `${repository}/model.safetensors`,
    license: 'BSD-3-Clause',
  };
}
