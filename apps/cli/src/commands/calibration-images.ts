import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  disposeBatch,
  InvalidArgumentError,
  normalizeImages,
  type Preprocessing,
  SeededRandom,
} from '@graft/core';
import {
  datasetsFromManifest,
  FileImageDataset,
  loadSplitManifest,
  openImageFolder,
} from '@graft/datasets/node';
import type { CalibrationBatch } from '@graft/onnx/node';
import type * as tf from '@tensorflow/tfjs-core';

/** Default `--calibration-images`: ONNX Runtime's examples calibrate on about a hundred images. */
export const defaultCalibrationImages = 100;

/** Where the calibration images were drawn from, for the export's output. */
export interface CalibrationSample {
  /** The split manifest or folder the images came from. */
  source: string;
  /** Images drawn. */
  images: number;
  /** Images available. */
  available: number;
  /** The batches, normalised exactly as the model's input (see `normalizeImages`). */
  batches: AsyncIterable<CalibrationBatch>;
}

/**
 * A seeded sample of training images for static quantization, preprocessed as the classifier
 * was trained (decode, resize policy, then `normalizeImages`): the run's `train` split from its
 * `split-manifest.json`, or `calibrationData`'s `train` split (or class folders) when given or
 * when the directory is not a run. The same seed draws the same images in the same order.
 */
export async function openCalibrationImages(options: {
  /** The run directory (its split-manifest.json), when exporting a run. */
  runRoot?: string;
  /** `--calibration-data`: image folder overriding the run's training images. */
  calibrationData?: string;
  /** `--calibration-images`. */
  count: number;
  /** `--calibration-seed`. */
  seed: number;
  /** The model's preprocessing. */
  preprocessing: Preprocessing;
}): Promise<CalibrationSample> {
  const { count, seed, preprocessing } = options;
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError({
      argument: '--calibration-images',
      value: count,
      expected: 'must be a positive integer',
    });
  }
  const pipeline = {
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
    onBadImage: 'skip' as const,
  };
  let source: string;
  let dataset: FileImageDataset | undefined;
  const manifestFile =
    options.runRoot === undefined ? undefined : join(options.runRoot, 'split-manifest.json');
  if (options.calibrationData !== undefined) {
    source = options.calibrationData;
    const folder = await openImageFolder({ root: source, ...pipeline });
    dataset =
      folder.layout === 'splits'
        ? folder.dataset(
            folder.splitNames.includes('train') ? 'train' : (folder.splitNames[0] as never),
          )
        : folder.dataset();
  } else if (manifestFile !== undefined && (await exists(manifestFile))) {
    source = manifestFile;
    const manifest = await loadSplitManifest(manifestFile);
    dataset = datasetsFromManifest({ manifest, ...pipeline }).train;
  } else {
    throw new InvalidArgumentError({
      argument: '--calibration-data',
      value: options.runRoot ?? '(none)',
      expected:
        'an image folder to calibrate int8 activations on (needed when exporting a classifier directory, or a run without split-manifest.json; --quantize int8-weights needs no images)',
    });
  }
  if (dataset === undefined || dataset.files.length === 0) {
    throw new InvalidArgumentError({
      argument: '--calibration-data',
      value: source,
      expected: 'must hold training images',
    });
  }
  const files = new SeededRandom(seed).shuffle([...dataset.files]).slice(0, count);
  const sample = new FileImageDataset({ ...pipeline, files, classNames: dataset.classNames });
  return {
    source,
    images: files.length,
    available: dataset.files.length,
    batches: normalizedBatches(sample, preprocessing),
  };
}

async function* normalizedBatches(
  dataset: FileImageDataset,
  preprocessing: Preprocessing,
): AsyncIterable<CalibrationBatch> {
  // Batches of 8: every calibrated activation of the batch is held at once (~25 MB per
  // MobileNetV2 image).
  for await (const batch of dataset.batches({ batchSize: 8 })) {
    try {
      const normalized = normalizeImages(batch.images as tf.Tensor4D, preprocessing);
      const data = (await normalized.data()) as Float32Array;
      const shape = normalized.shape;
      normalized.dispose();
      yield { data, shape };
    } finally {
      disposeBatch(batch);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
