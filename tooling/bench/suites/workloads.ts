// Shared pieces of the suites in this folder: the workloads that have a PyTorch counterpart in
// ../pytorch/workloads.py (same `compare` keys, same shapes). Files ending in `.bench.ts` are run
// by `pnpm bench`, each in its own process so its peak RSS is its own.
import { createBackbone } from '@graft/backbones';
import type { Backbone } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** The backbones of workload 1 and 2: PyTorch key → Graft registry name. */
export const backboneNames = {
  'mobilenet_v2_0.35': 'mobilenet_v2_0.35_224',
  'mobilenet_v2_1.0': 'mobilenet_v2_1.0_224',
  resnet18: 'resnet18',
  resnet50: 'resnet50',
  // The torchvision ports of issue 22 (same names in Graft's registry and torchvision).
  mobilenet_v3_small: 'mobilenet_v3_small',
  mobilenet_v3_large: 'mobilenet_v3_large',
  efficientnet_b0: 'efficientnet_b0',
  efficientnet_b1: 'efficientnet_b1',
  efficientnet_b2: 'efficientnet_b2',
  efficientnet_b3: 'efficientnet_b3',
  convnext_tiny: 'convnext_tiny',
} as const;

export type BackboneKey = keyof typeof backboneNames;

/**
 * Input side of a backbone's rows: the resolution its weights were trained at (EfficientNet
 * B1–B3 are fixed at 240, 288 and 300 in Graft, as in torchvision), 224 for the others. The
 * PyTorch side uses the same sizes (../pytorch/workloads.py `sizes`).
 */
export function benchImageSize(key: BackboneKey): number {
  return { efficientnet_b1: 240, efficientnet_b2: 288, efficientnet_b3: 300 }[key as string] ?? 224;
}

/** Random weights: the arithmetic, hence the speed, is that of the pretrained network. */
export function createRandomBackbone(key: BackboneKey): Promise<Backbone> {
  return createBackbone(backboneNames[key], { pretrained: false, seed: 1 });
}

/** Resident memory now, MiB. */
export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}

/** Live tfjs tensors now. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
