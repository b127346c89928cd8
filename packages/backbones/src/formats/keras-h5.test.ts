import '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Dataset, type Group, File as H5File, ready } from 'h5wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readKerasH5Weights } from './keras-h5.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const h5Paths = [
  'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5',
  'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5',
].map((name) => join(mirrorDir, 'keras', name));

/** What h5wasm's own accessors read (`attrs`, `get`, `shape`, `value`): the reference. */
async function referenceRead(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const { FS } = await ready;
  FS.writeFile('/reference.h5', bytes);
  const file = new H5File('/reference.h5', 'r');
  const read = new Map<string, Uint8Array>();
  try {
    for (const layerName of (file.attrs.layer_names?.value ?? []) as string[]) {
      const group = file.get(layerName) as Group;
      const names = group.attrs.weight_names?.value;
      for (const weightName of Array.isArray(names) ? (names as string[]) : []) {
        const dataset = group.get(weightName) as Dataset;
        const values = dataset.value as Float32Array;
        read.set(
          `${weightName.replace(/:\d+$/, '')} [${dataset.shape?.join(', ')}]`,
          new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice(),
        );
      }
    }
  } finally {
    file.close();
    FS.unlink('/reference.h5');
  }
  return read;
}

/** A small Keras-style weights file: `dense` has its kernel unless `drop` names it. */
async function kerasFile(options: {
  /** Extra names listed in layer_names or weight_names, with no object behind them. */
  listed: { layers?: string[]; weights?: string[] };
}): Promise<Uint8Array> {
  const { FS } = await ready;
  const file = new H5File('/made.h5', 'w');
  file.create_attribute('layer_names', ['dense', ...(options.listed.layers ?? [])]);
  const dense = file.create_group('dense') as Group;
  dense.create_attribute('weight_names', ['dense/kernel:0', ...(options.listed.weights ?? [])]);
  const inner = dense.create_group('dense') as Group;
  inner.create_dataset({ name: 'kernel:0', data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] });
  file.close();
  const bytes = FS.readFile('/made.h5');
  FS.unlink('/made.h5');
  return bytes;
}

describe('readKerasH5Weights', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(h5Paths)(
    'reads what h5wasm accessors read, byte for byte, in order: %s',
    async (path) => {
      const bytes = await readFile(path);
      const expected = await referenceRead(bytes);
      const { tensors } = await readKerasH5Weights({ data: bytes, file: path });
      const read = new Map<string, Uint8Array>();
      for (const [name, tensor] of tensors) {
        const values = tensor.dataSync() as Float32Array;
        read.set(`${name} [${tensor.shape.join(', ')}]`, new Uint8Array(values.slice().buffer));
      }
      tf.dispose([...tensors.values()]);
      expect(read.size).toBeGreaterThan(250);
      expect([...read.keys()]).toEqual([...expected.keys()]);
      for (const [key, values] of read)
        expect(Buffer.compare(values, expected.get(key) as Uint8Array), key).toBe(0);
    },
  );

  it('names a listed dataset or layer group that the file lacks, leaking no tensor', async () => {
    const before = tf.memory().numTensors;
    const missingWeight = await kerasFile({ listed: { weights: ['dense/bias:0'] } });
    await expect(readKerasH5Weights({ data: missingWeight, file: 'a.h5' })).rejects.toSatisfy(
      (error) =>
        FileFormatError.isInstance(error) &&
        /a\.h5: .*dataset dense\/dense\/bias:0 is listed in weight_names but missing/.test(
          String(error),
        ),
    );
    const missingLayer = await kerasFile({ listed: { layers: ['gone'] } });
    await expect(readKerasH5Weights({ data: missingLayer, file: 'b.h5' })).rejects.toThrow(
      /layer "gone" is listed in layer_names but has no group/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const complete = await readKerasH5Weights({
      data: await kerasFile({ listed: {} }),
      file: 'c.h5',
    });
    expect([...complete.tensors.keys()]).toEqual(['dense/kernel']);
    expect(Array.from(complete.tensors.get('dense/kernel')?.dataSync() ?? [])).toEqual([
      1, 2, 3, 4,
    ]);
    tf.dispose([...complete.tensors.values()]);
  });
});
