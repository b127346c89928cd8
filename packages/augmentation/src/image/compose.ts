import {
  type AugmentOptions,
  type ImageBatch,
  InvalidArgumentError,
  type JsonObject,
  type ViewPlannableAugmentation,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkBatch, childSeed } from './define-image-op.js';
import type { ImageOp, ImageOpContext, ImageOpDescriptor } from './image-op.js';
import { viewPlannerOf } from './view-planner.js';

/**
 * Runs `ops` in order. Op `i` is seeded with a seed derived from the call's seed and `i`, so
 * inserting an op changes only the ops after it, and every backend sees the same draws.
 * Intermediate batches are disposed; the input batch is not.
 */
export function compose(ops: readonly ImageOp[]): ImageOp & ViewPlannableAugmentation {
  if (!Array.isArray(ops) || ops.some((op) => typeof op?.apply !== 'function')) {
    throw new InvalidArgumentError({
      argument: 'compose.ops',
      value: ops,
      expected: 'must be a list of image ops',
    });
  }
  const list = [...ops];
  return {
    name: 'compose',
    get options(): JsonObject {
      return { ops: list.map((op) => op.toConfig()) };
    },
    apply(batch: ImageBatch, options: AugmentOptions): ImageBatch {
      checkBatch(batch, options);
      if (list.length === 0) {
        return { ...batch, images: tf.clone(batch.images), labels: tf.clone(batch.labels) };
      }
      let current = batch;
      list.forEach((op, index) => {
        const next = op.apply(current, { ...options, seed: childSeed(options.seed, index) });
        if (current !== batch) {
          current.images.dispose();
          current.labels.dispose();
        }
        current = next;
      });
      return current;
    },
    toConfig() {
      return { name: 'compose', options: { ops: list.map((op) => op.toConfig()) } };
    },
    // A leading random resized crop / flip can be done by the decoder (see view-planner.ts).
    viewPlanner: () => viewPlannerOf(list, childSeed),
  };
}

export const composeDescriptor: ImageOpDescriptor = {
  name: 'compose',
  description: 'run ops in sequence',
  create(options: JsonObject, context: ImageOpContext) {
    const ops = options.ops;
    if (!Array.isArray(ops)) {
      throw new InvalidArgumentError({
        argument: 'compose.ops',
        value: ops,
        expected: 'must be a list of op configs',
      });
    }
    return compose(ops.map((config) => context.fromConfig(config as JsonObject)));
  },
};
