import { readdir, stat } from 'node:fs/promises';
import type { Preprocessing } from '@graft/core';
import {
  type DecodePrefetch,
  defaultResizePolicy,
  type JpegDecoderInfo,
  type ResizeTarget,
} from '@graft/datasets/node';
import type { TrainConfig } from '../config/train-config.js';
import { backboneOptionsFor } from './defaults.js';
import { adoptEarlyDecodePrefetch, isEarlyDecodePrefetch } from './early-decode-prefetch.js';
import { featureCacheDirectory } from './feature-cache-directory.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import { prefetchImageFolder } from './prefetch-image-folder.js';

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
  // One started at process start from the arguments alone (main.ts): adopted only if the
  // parsed options agree, closed otherwise.
  const early = await adoptEarlyDecodePrefetch(config.data);
  const refuse = async () => {
    await early?.close();
    return undefined;
  };
  if (config.mode !== 'feature-extraction' || config.augment || multiLabelSourceOf(config)) {
    return refuse();
  }
  const isFolder = await stat(config.data).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) return refuse();
  // The early start saw the cache empty (or not read) at process start: this process wrote
  // nothing into it since.
  if (options.featureCache && early === undefined) {
    const entries = await readdir(featureCacheDirectory()).catch(() => []);
    if (entries.length > 0) return undefined;
  }
  const target: ResizeTarget = {
    imageSize: preprocessing.inputSize,
    // The policy createTrainingBackbone gives the backbone (MobileNetV2: the CLI's crop).
    resize:
      backboneOptionsFor(config.backbone).resize ?? preprocessing.resize ?? defaultResizePolicy,
  };
  if (early?.setTarget(target)) return early;
  await early?.close();
  return prefetchImageFolder({ root: config.data, target });
}

/** Says (with --verbose) how many of the run's images the prefetch decoded for it. */
export function describeDecodePrefetch(prefetch: DecodePrefetch): string {
  const when = isEarlyDecodePrefetch(prefetch) ? ' started at process start' : '';
  return `decode prefetch: ${prefetch.handedOut} of ${prefetch.files} images decoded ahead in a worker thread${when}`;
}

/** Says (with --verbose) which decoder plain JPEGs go through and why (as `graft doctor` does). */
export function describeJpegDecoder(decoder: JpegDecoderInfo): string {
  return `jpeg decoder: ${decoder.name} (${decoder.reason}; GRAFT_JPEG_DECODER overrides)`;
}
