import '@tensorflow/tfjs-backend-cpu';
import type {
  ImageAugmentation,
  ImageBatch,
  ImageDataset,
  ImageView,
  ImageViewPlanner,
  Preprocessing,
  ViewBatchOptions,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fuseAugmentation, fusesAugmentation } from './fuse-augmentation.js';
import { networkInput } from './network-input.js';

const tail: ImageAugmentation = {
  name: 'tail',
  apply: (batch) => batch,
  toConfig: () => ({ name: 'tail', options: {} }),
};

/** A planner whose views name the seed and the batch position they were drawn for. */
const planner: ImageViewPlanner = {
  outputSize: () => [4, 6],
  views: ({ seed, count, frame }) =>
    Array.from({ length: count }, (_, index) => ({
      top: seed,
      left: index,
      height: frame[0],
      width: frame[1],
      flipHorizontal: false,
    })),
  rest: tail,
};

const plannable = { ...tail, name: 'plannable', viewPlanner: () => planner };

/** A dataset that records the views it was asked to cut. */
function viewSource() {
  const seen: {
    outputSize: readonly [number, number];
    views: ImageView[][];
    normalizeFor: Preprocessing | undefined;
  } = { outputSize: [0, 0], views: [], normalizeFor: undefined };
  const dataset = {
    classNames: ['a'],
    size: 3,
    imageSize: [8, 8] as const,
    labels: () => [0, 0, 0],
    batches: (): AsyncIterable<ImageBatch> => {
      throw new Error('clean batches must not be used for fused views');
    },
    async *viewBatches(options: ViewBatchOptions): AsyncGenerator<ImageBatch> {
      seen.outputSize = options.outputSize;
      seen.normalizeFor = options.normalizeFor;
      seen.views.push([...options.viewsOf(0, 2)], [...options.viewsOf(1, 1)]);
      yield { images: tf.zeros([2, 4, 6, 3]), labels: tf.tensor1d([0, 0], 'int32') };
    },
  };
  return { dataset, seen };
}

describe('fuseAugmentation', () => {
  it('hands the planned views, seeded per batch, to a dataset that decodes views', async () => {
    const { dataset, seen } = viewSource();
    const fused = fuseAugmentation(dataset, plannable, (batchIndex) => 100 + batchIndex);
    expect(fused.augmentation).toBe(tail);
    for await (const batch of fused.data.batches({ batchSize: 2 })) {
      tf.dispose([batch.images, batch.labels]);
    }
    expect(seen.outputSize).toEqual([4, 6]);
    expect(seen.views.map((views) => views.map((view) => [view.top, view.left]))).toEqual([
      [
        [100, 0],
        [100, 1],
      ],
      [[101, 0]],
    ]);
    expect(fused.data.size).toBe(3);
  });

  it('asks the dataset to normalise while cutting only when nothing runs on the tensors afterwards', async () => {
    const preprocessing: Preprocessing = {
      inputSize: [4, 6],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    };
    const onlyViews = { ...tail, viewPlanner: () => ({ ...planner, rest: undefined }) };
    for (const [augmentation, expected] of [
      [plannable, undefined],
      [onlyViews, preprocessing],
    ] as const) {
      const { dataset, seen } = viewSource();
      const fused = fuseAugmentation(dataset, augmentation, () => 0, preprocessing);
      for await (const batch of fused.data.batches({ batchSize: 2 })) {
        tf.dispose([batch.images, batch.labels]);
      }
      expect(seen.normalizeFor).toBe(expected);
    }
  });

  it('networkInput keeps normalised batches as they are and normalises the others', () => {
    const preprocessing: Preprocessing = {
      inputSize: [1, 1],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    };
    const images = tf.tensor4d([0, 255, 51], [1, 1, 1, 3]);
    const labels = tf.tensor1d([0], 'int32');
    const before = tf.memory().numTensors;
    const raw = networkInput({ images, labels }, images, preprocessing);
    const kept = networkInput({ images, labels, normalized: true }, images, preprocessing);
    expect(Array.from(raw.dataSync())).toEqual([-1, 1, expect.closeTo(-0.6, 6)]);
    expect(Array.from(kept.dataSync())).toEqual([0, 255, 51]);
    tf.dispose([raw, kept]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, labels]);
  });

  it('keeps the tensor path when either side cannot fuse', () => {
    const { dataset } = viewSource();
    const plain: ImageDataset = { ...dataset, viewBatches: undefined } as unknown as ImageDataset;
    expect(fuseAugmentation(plain, plannable, () => 0)).toEqual({
      data: plain,
      augmentation: plannable,
    });
    expect(fuseAugmentation(dataset, tail, () => 0)).toEqual({ data: dataset, augmentation: tail });
    const unplannable = { ...tail, viewPlanner: () => undefined };
    expect(fuseAugmentation(dataset, unplannable, () => 0).augmentation).toBe(unplannable);
    expect(fuseAugmentation(dataset, undefined, () => 0).augmentation).toBeUndefined();
    expect(fusesAugmentation(dataset, plannable)).toBe(true);
    expect(fusesAugmentation(plain, plannable)).toBe(false);
    expect(fusesAugmentation(dataset, unplannable)).toBe(false);
  });
});
