import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

const frozenBatchNormMarker = Symbol.for('graft.backbones.frozenBatchNormInference');

export function batchNormLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization');
}

/**
 * tfjs-layers runs BatchNorm in training mode whenever it is called with `training: true`;
 * `@graft/backbones`' frozen-BatchNorm policy makes a non-trainable one use its moving statistics.
 */
export function batchNormTraining(layer: tfl.layers.Layer): boolean {
  const patched = (layer as unknown as Record<symbol, boolean>)[frozenBatchNormMarker] === true;
  return layer.trainable || !patched;
}

/** tfjs-layers' update `m ← m − (m − batch)·(1 − momentum)`, in float32 steps like its kernels. */
export function updateMovingStatistics(
  layer: tfl.layers.Layer,
  batch: { mean: Float32Array; variance: Float32Array },
): void {
  const momentum = Number(layer.getConfig().momentum ?? 0.99);
  const decay = Math.fround(1 - momentum);
  for (const [shortName, values] of [
    ['moving_mean', batch.mean],
    ['moving_variance', batch.variance],
  ] as const) {
    const weight = layer.weights.find((candidate) =>
      candidate.originalName.endsWith(`/${shortName}`),
    );
    if (weight === undefined) continue;
    const current = weight.read().dataSync() as Float32Array;
    const next = new Float32Array(current.length);
    for (let index = 0; index < next.length; index++) {
      const old = current[index] as number;
      next[index] = Math.fround(
        old - Math.fround(Math.fround(old - (values[index] as number)) * decay),
      );
    }
    const tensor = tf.tensor(next, weight.shape as number[]);
    weight.write(tensor);
    tensor.dispose();
  }
}
