import { InvalidArgumentError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GradientRequest } from '../training/gradient-computer.js';
import type { WeightSlot } from './training-worker-protocol.js';

/** The master weights laid out in one buffer the workers share. */
export interface SharedMasterWeights {
  /** The buffer: the one passed in when its size fits, else a new one. */
  buffer: SharedArrayBuffer;
  /** Where each canonical weight lies in the buffer. */
  slots: WeightSlot[];
  /** Each canonical weight's values, as read before the step. */
  values: Float32Array[];
}

/**
 * Writes every canonical weight (backbone and head) into a shared buffer, reusing `buffer` when
 * its size fits, which each worker copies into its replica before a step.
 */
export async function shareMasterWeights(
  weights: readonly tfl.LayerVariable[],
  buffer: SharedArrayBuffer,
): Promise<SharedMasterWeights> {
  const slots: WeightSlot[] = [];
  let floats = 0;
  for (const [index, weight] of weights.entries()) {
    slots.push({ index, offset: floats, shape: [...weight.shape] as number[] });
    floats += sizeOf(weight.shape as number[]);
  }
  const shared = buffer.byteLength === floats * 4 ? buffer : new SharedArrayBuffer(floats * 4);
  const view = new Float32Array(shared);
  const values = await Promise.all(
    weights.map((weight) => weight.read().data() as Promise<Float32Array>),
  );
  values.forEach((weightValues, index) => {
    view.set(weightValues, (slots[index] as WeightSlot).offset);
  });
  return { buffer: shared, slots, values };
}

/** The canonical index of each trainable variable; a variable outside the models is an error. */
export function trainableWeightIndices(
  variables: GradientRequest['variables'],
  weights: readonly tfl.LayerVariable[],
): number[] {
  const indexOf = new Map<tf.Tensor, number>(
    weights.map((weight, index) => [weight.read(), index]),
  );
  return variables.map(({ variable, key }) => {
    const index = indexOf.get(variable);
    if (index === undefined) {
      throw new InvalidArgumentError({
        argument: 'variables',
        value: key,
        expected: 'must be weights of the backbone or the head',
      });
    }
    return index;
  });
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, length) => product * length, 1);
}
