import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainingWeightSnapshot } from './training-weight-snapshot.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function smallModel() {
  const input = tfl.input({ shape: [3] });
  const output = tfl.layers
    .dense({ units: 2, kernelInitializer: 'glorotUniform', biasInitializer: 'ones' })
    .apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

const values = (buffer: SharedArrayBuffer) => Array.from(new Float32Array(buffer));

describe('createTrainingWeightSnapshot', () => {
  it('copies only changed weights, into a new buffer while the current one may be read', () => {
    const model = smallModel();
    const [kernel, bias] = model.weights as [tfl.LayerVariable, tfl.LayerVariable];
    const snapshot = createTrainingWeightSnapshot(
      new Map([
        ['kernel', kernel],
        ['bias', bias],
      ]),
    );
    expect(snapshot.slots).toEqual([
      { name: 'kernel', offset: 0, length: 6, dims: [3, 2] },
      { name: 'bias', offset: 6, length: 2, dims: [2] },
    ]);
    const first = snapshot.current(false);
    expect(values(first.buffer)).toEqual([
      ...Array.from(kernel.read().dataSync()),
      ...Array.from(bias.read().dataSync()),
    ]);
    expect(Array.from(first.versions)).toEqual([1, 1]);
    // Nothing changed: the same buffer and versions.
    const again = snapshot.current(true);
    expect(again.buffer).toBe(first.buffer);
    expect(Array.from(again.versions)).toEqual([1, 1]);

    const before = values(first.buffer);
    const write = (numbers: number[]) => {
      const tensor = tf.tensor1d(numbers);
      bias.write(tensor);
      tensor.dispose();
    };
    write([5, 6]);
    const whileRead = snapshot.current(true);
    expect(whileRead.buffer).not.toBe(first.buffer);
    expect(values(first.buffer)).toEqual(before);
    expect(values(whileRead.buffer)).toEqual([...before.slice(0, 6), 5, 6]);
    expect(Array.from(whileRead.versions)).toEqual([1, 2]);

    write([7, 8]);
    const idle = snapshot.current(false);
    expect(idle.buffer).toBe(whileRead.buffer);
    expect(values(idle.buffer).slice(6)).toEqual([7, 8]);
    expect(Array.from(idle.versions)).toEqual([1, 3]);
    model.dispose();
  });
});
