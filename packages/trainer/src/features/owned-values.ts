import { ownedArray } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The values of `tensor` in an array nobody else holds (its buffer may then be transferred), and
 * disposes `tensor`. wasm, webgl and webgpu already hand out a fresh copy; the cpu backend (and
 * others) hand out their own storage, which is copied.
 */
export async function ownedValues(tensor: tf.Tensor): Promise<Float32Array> {
  const values = (await tensor.data()) as Float32Array;
  const fresh = ['wasm', 'webgl', 'webgpu'].includes(tf.getBackend());
  tensor.dispose();
  return fresh ? ownedArray(values) : values.slice();
}
