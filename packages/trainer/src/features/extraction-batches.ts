import {
  type Backbone,
  disposeBatch,
  type FeatureComputer,
  type ImageAugmentation,
  type ImageBatch,
  type ImageDataset,
  type PixelBatch,
  type PixelImageBatch,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { fuseAugmentation } from '../training/fuse-augmentation.js';
import { toTargets } from '../training/loss.js';
import { networkInput } from '../training/network-input.js';
import { augmentationSeed } from './augmentation-seed.js';
import { hashImages, pixelKeys } from './content-hash.js';
import { ownedValues } from './owned-values.js';

/** One batch of an extraction, whichever stream it came from. */
export interface ExtractionBatch {
  /** Images in the batch. */
  size: number;
  /** The images' keys (the dataset's, else a hash of the pixels). */
  imageKeys: readonly string[];
  /** Where each image came from. */
  sources: Array<string | undefined>;
  /** `[size, numClasses]` targets, row-major. */
  targets: Float32Array;
  /**
   * Starts the backbone on the batch's rows `rows` (every row when `rows.length === size`) and
   * resolves their features, `rows.length × featureDim` values in that order.
   */
  compute(rows: readonly number[]): Promise<Float32Array>;
  /** Releases the batch's tensors (not the features `compute` resolves). */
  dispose(): void;
}

/** Options of {@link extractionBatches}. */
export interface ExtractionBatchesOptions {
  /** The frozen backbone. */
  backbone: Backbone;
  /** Images, in dataset order. */
  data: ImageDataset;
  /** Images per batch. */
  batchSize: number;
  /** Augmentation of this pass, if any. */
  augmentation?: ImageAugmentation;
  /** Pass number, mixed into augmentation seeds. */
  pass: number;
  /** Run seed, mixed into augmentation seeds. */
  seed: number;
  /** Where the backbone runs; this thread when absent. */
  computer?: FeatureComputer;
  /** Cancels the stream. */
  signal?: AbortSignal;
}

/**
 * The batches of an extraction pass. A clean pass whose dataset streams bytes
 * (`ImageDataset.pixelBatches`) to a computer that normalizes them itself
 * (`FeatureComputer.computePixelFeatures`) creates no tensor at all: the bytes go to the computer
 * as they are (a quarter of the float32 data). Otherwise tensor batches are augmented and
 * normalized here, as ever.
 */
export function extractionBatches(
  options: ExtractionBatchesOptions,
): AsyncIterable<ExtractionBatch> {
  const { computer, data } = options;
  const batchOptions = {
    batchSize: options.batchSize,
    shuffle: false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const computePixels = options.augmentation ? undefined : computer?.computePixelFeatures;
  const pixelStream = computePixels ? data.pixelBatches?.(batchOptions) : undefined;
  if (computer && computePixels && pixelStream) {
    return pixelExtractionBatches({
      stream: pixelStream,
      numClasses: data.classNames.length,
      compute: (batch) =>
        computePixels.call(computer, batch, options.signal ? { signal: options.signal } : {}),
    });
  }
  return tensorExtractionBatches(options, batchOptions);
}

async function* pixelExtractionBatches(settings: {
  stream: AsyncIterable<PixelImageBatch>;
  numClasses: number;
  compute: (batch: PixelBatch) => Promise<Float32Array>;
}): AsyncGenerator<ExtractionBatch> {
  const { stream, numClasses, compute } = settings;
  for await (const batch of stream) {
    const [size, height, width, channels] = batch.shape;
    const perImage = height * width * channels;
    const targets = new Float32Array(size * numClasses);
    batch.labels.forEach((label, row) => {
      // As `tf.oneHot`: a label outside the classes leaves its row zero.
      if (label >= 0 && label < numClasses) targets[row * numClasses + label] = 1;
    });
    yield {
      size,
      imageKeys: batch.keys ?? pixelKeys(batch.pixels, batch.shape),
      sources: Array.from({ length: size }, (_, index) => batch.sources?.[index]),
      targets,
      compute(rows) {
        const pixels =
          rows.length === size ? batch.pixels : gatherImages(batch.pixels, rows, perImage);
        return compute({ pixels, shape: [rows.length, height, width, channels] });
      },
      dispose() {},
    };
  }
}

async function* tensorExtractionBatches(
  options: ExtractionBatchesOptions,
  batchOptions: { batchSize: number; shuffle: boolean; signal?: AbortSignal },
): AsyncGenerator<ExtractionBatch> {
  const { backbone, computer } = options;
  const numClasses = options.data.classNames.length;
  // A frozen backbone may offer a faster equivalent network (BatchNorm folded into convolutions).
  const network = computer ? undefined : (backbone.inferenceModel?.() ?? backbone.model);
  // The decoder cuts a leading crop/flip itself when it can (fuse-augmentation.ts).
  const fused = fuseAugmentation(
    options.data,
    options.augmentation,
    (index) => augmentationSeed(options.seed, options.pass, index),
    backbone.preprocessing,
  );
  let batchIndex = 0;
  for await (const original of fused.data.batches(batchOptions)) {
    let batch: ImageBatch = original;
    try {
      if (fused.augmentation) {
        batch = fused.augmentation.apply(original, {
          seed: augmentationSeed(options.seed, options.pass, batchIndex),
          numClasses,
        });
      }
      batchIndex++;
      const size = batch.images.shape[0];
      const imageKeys = original.keys ?? (await hashImages(original.images));
      const targetTensor = toTargets(batch.labels, numClasses);
      const targets = (await targetTensor.data()) as Float32Array;
      targetTensor.dispose();
      const current = batch;
      const pick = (rows: readonly number[]) =>
        rows.length === size
          ? current.images
          : tf.gather(current.images, tf.tensor1d([...rows], 'int32'));
      yield {
        size,
        imageKeys,
        sources: Array.from({ length: size }, (_, index) => original.sources?.[index]),
        targets,
        async compute(rows) {
          if (computer) {
            const input = tf.tidy(() => networkInput(current, pick(rows), backbone.preprocessing));
            const shape = input.shape as [number, number, number, number];
            const pixels = await ownedValues(input);
            return computer.computeFeatures(
              { pixels, shape },
              options.signal ? { signal: options.signal } : {},
            );
          }
          const output = tf.tidy(() => {
            const input = networkInput(current, pick(rows), backbone.preprocessing);
            return (network as NonNullable<typeof network>).predict(input) as tf.Tensor;
          });
          const result = (await output.data()) as Float32Array;
          output.dispose();
          return result;
        },
        dispose() {
          if (current !== original) disposeBatch(current);
          disposeBatch(original);
        },
      };
    } catch (error) {
      if (batch !== original) disposeBatch(batch);
      disposeBatch(original);
      throw error;
    }
  }
}

/** The images `rows` of a byte batch, in that order, in a new buffer. */
function gatherImages(pixels: Uint8Array, rows: readonly number[], perImage: number): Uint8Array {
  const gathered = new Uint8Array(rows.length * perImage);
  rows.forEach((row, index) => {
    gathered.set(pixels.subarray(row * perImage, (row + 1) * perImage), index * perImage);
  });
  return gathered;
}
