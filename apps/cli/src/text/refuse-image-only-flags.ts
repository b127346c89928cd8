import { InvalidArgumentError } from '@graft/core';

/**
 * `graft train` flags that mean nothing for a text run (images, fine-tuning, extraction threads,
 * queues), by commander's key: given with a text encoder, they are refused by name rather than
 * silently ignored.
 */
const imageOnlyFlags = {
  queue: '--queue',
  sharedDir: '--shared-dir',
  shardImages: '--shard-images',
  extractionWorkers: '--extraction-workers',
  trainingWorkers: '--training-workers',
  engine: '--engine',
  microBatch: '--micro-batch',
  unfreezeFrom: '--unfreeze-from',
  freezeEpochs: '--freeze-epochs',
  unfreezeStages: '--unfreeze-stages',
  backboneLrFactor: '--backbone-lr-factor',
  layerDecay: '--layer-decay',
  frozenPrefixCache: '--frozen-prefix-cache',
  coralTarget: '--coral-target',
  coralWeight: '--coral-weight',
  labels: '--labels',
  labelDelimiter: '--label-delimiter',
  threshold: '--threshold',
  calibrate: '--calibrate',
  splitManifest: '--split-manifest',
} as const;

/** Throws for the first image-only `graft train` flag given with a text encoder. */
export function refuseImageOnlyFlags(flags: object, encoder: string): void {
  for (const [key, flag] of Object.entries(imageOnlyFlags)) {
    const value = (flags as Record<string, unknown>)[key];
    if (value === undefined || value === false) continue;
    throw new InvalidArgumentError({
      argument: flag,
      value: String(value),
      expected: `is not available for text data with the text encoder ${encoder}; leave it out`,
    });
  }
}
