import type { WeightSource } from '@graft/core';
import type { MobileNetV2Alpha } from './build-mobilenet-v2.js';

/** A MobileNetV2 weight source, saying whether it holds the `predictions` classifier. */
export interface MobileNetV2WeightSource extends WeightSource {
  /** Whether the file holds the 1000-class `predictions` layer. */
  includesTop: boolean;
}

const kerasBaseUrl = 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2';
const teachableMachineBaseUrl = 'https://storage.googleapis.com/teachable-machine-models';

/** Keras spells alpha as Python's `str(float(alpha))`: `1.0`, `0.35`, `0.5`. */
export function kerasAlphaText(alpha: number): string {
  return Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
}

/**
 * Weight sources of MobileNetV2 at `alpha` and 224, preferred first: the keras-applications
 * HDF5 files (no-top, with-top), and for α = 0.35 the Teachable Machine TF.js base. No sha256 is
 * pinned: the canonical files were not byte-compared here (see the shared weights README).
 */
export function mobileNetV2WeightSources(alpha: MobileNetV2Alpha): MobileNetV2WeightSource[] {
  const stem = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${kerasAlphaText(alpha)}_224`;
  const sources: MobileNetV2WeightSource[] = [
    {
      name: 'imagenet',
      format: 'keras-h5',
      url: `${kerasBaseUrl}/${stem}_no_top.h5`,
      mirrorPath: `keras/${stem}_no_top.h5`,
      license: 'Apache-2.0',
      includesTop: false,
    },
    {
      name: 'imagenet',
      format: 'keras-h5',
      url: `${kerasBaseUrl}/${stem}.h5`,
      mirrorPath: `keras/${stem}.h5`,
      license: 'Apache-2.0',
      includesTop: true,
    },
  ];
  if (alpha === 0.35) {
    const name = `${stem}_no_top`;
    sources.push({
      name: 'teachable-machine',
      format: 'tfjs-layers',
      url: `${teachableMachineBaseUrl}/${name}/model.json`,
      mirrorPath: `teachable-machine/${name}/model.json`,
      license:
        'Keras-applications ImageNet weights as hosted by Teachable Machine (no licence stated)',
      includesTop: false,
    });
  }
  return sources;
}

/** Keras's ImageNet class index (`{"0": ["n01440764", "tench"], …}`). */
export const imageNetClassLabels = {
  url: 'https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json',
  mirrorPath: 'imagenet_class_index.json',
} as const;
