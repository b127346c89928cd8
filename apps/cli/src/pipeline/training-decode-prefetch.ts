import { readdir, stat } from 'node:fs/promises';
import type { Preprocessing } from '@graft/core';
import {
  DecodePrefetch,
  defaultResizePolicy,
  type ImageFile,
  scanImageFolder,
} from '@graft/datasets/node';
import type { TrainConfig } from '../config/train-config.js';
import { backboneOptionsFor } from './defaults.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import { featureCacheDirectory } from './training-feature-cache.js';

/** Options of {@link startTrainingDecodePrefetch}. */
export interface TrainingDecodePrefetchOptions {
  /** The run's settings (mode, augmentation, data). */
  config: TrainConfig;
  /** The registered backbone's preprocessing, known before its weights load (its resize when the CLI sets none). */
  preprocessing: Preprocessing;
  /**
   * Whether the run reads the feature cache. Then the prefetch starts only while the cache is
   * empty: on a warm cache every feature may be stored and nothing decoded (measured: a warm
   * re-run went from ~4.5 to ~9 CPU-s when the prefetch decoded anyway).
   */
  featureCache: boolean;
}

// Splits in the order `graft train` extracts them.
const splitOrder = ['train', 'val', 'test'];

/**
 * Starts decoding the run's images in a worker thread while the backbone's weights load and its
 * ONNX graph is built (~2 s on one core, the other idle until now), so frozen extraction then
 * mostly waits on the network. Only for the clean frozen-feature recipe on an image folder (other
 * runs decode augmented views, CIFAR records or CSV lists) and a feature cache that is empty or
 * not read (a run on other data then decodes as before); `undefined` otherwise.
 */
export async function startTrainingDecodePrefetch(
  options: TrainingDecodePrefetchOptions,
): Promise<DecodePrefetch | undefined> {
  const { config, preprocessing } = options;
  if (config.mode !== 'feature-extraction' || config.augment || multiLabelSourceOf(config)) {
    return undefined;
  }
  const isFolder = await stat(config.data).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) return undefined;
  if (options.featureCache) {
    const entries = await readdir(featureCacheDirectory()).catch(() => []);
    if (entries.length > 0) return undefined;
  }
  // A folder the scan refuses is reported by the data loading that follows, as before.
  const scan = await scanImageFolder({ root: config.data, onBadImage: 'skip' }).catch(
    () => undefined,
  );
  if (scan === undefined) return undefined;
  const rank = (file: ImageFile) => {
    const index = splitOrder.indexOf(file.split ?? 'train');
    return index === -1 ? splitOrder.length : index;
  };
  const files = [...scan.files].sort((a, b) => rank(a) - rank(b));
  return new DecodePrefetch({
    paths: files.map((file) => file.path),
    target: {
      imageSize: preprocessing.inputSize,
      // The policy createTrainingBackbone gives the backbone (MobileNetV2: the CLI's crop).
      resize:
        backboneOptionsFor(config.backbone).resize ?? preprocessing.resize ?? defaultResizePolicy,
    },
  });
}

/** Says (with --verbose) how many of the run's images the prefetch decoded for it. */
export function describeDecodePrefetch(prefetch: DecodePrefetch): string {
  return `decode prefetch: ${prefetch.handedOut} of ${prefetch.files} images decoded ahead in a worker thread`;
}
