// The fused gradient kernels against the compositions they replace, on wasm, in one process:
// MobileNetV2 1.0's layer shapes at 224x224 for one micro-batch of 4.
import '@tensorflow/tfjs-backend-wasm';
// Registers tfjs-core's gradients, as in any training program.
import '@tensorflow/tfjs-layers';
import { loadavg } from 'node:os';
import { type BenchRow, measure } from '@graft/bench-kit';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { depthwiseConv2dBackpropFilter, withOriginalGradients } from '../src/testing/index.js';

const microBatch = 4;
/** [input size, channels, stride] of MobileNetV2 1.0's 17 depthwise convolutions at 224². */
const depthwiseLayers: Array<[number, number, number]> = [
  [112, 32, 1],
  [112, 96, 2],
  [56, 144, 1],
  [56, 144, 2],
  [28, 192, 1],
  [28, 192, 1],
  [28, 192, 2],
  [14, 384, 1],
  [14, 384, 1],
  [14, 384, 1],
  [14, 384, 1],
  [14, 576, 1],
  [14, 576, 1],
  [14, 576, 2],
  [7, 960, 1],
  [7, 960, 1],
  [7, 960, 1],
];

type Variant = 'composition' | 'direct';

function depthwiseRows(): Array<() => Promise<BenchRow>> {
  const layers = depthwiseLayers.map(([size, channels, stride]) => {
    const x = tf.randomNormal([microBatch, size, size, channels]) as tf.Tensor4D;
    const out = Math.ceil(size / stride);
    const dy = tf.randomNormal([microBatch, out, out, channels]) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, channels, 1]) as tf.Tensor4D;
    return { x, dy, filter, stride };
  });
  const filterGradient = (variant: Variant) => () => {
    for (const { x, dy, stride } of layers) {
      const attrs = {
        strides: stride,
        dilations: 1,
        pad: 'same',
        filterShape: [3, 3, x.shape[3], 1],
      } as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      const result =
        variant === 'direct'
          ? (tf
              .engine()
              .runKernel(
                tf.DepthwiseConv2dNativeBackpropFilter,
                { x, dy },
                attrs as unknown as tf.NamedAttrMap,
              ) as tf.Tensor)
          : depthwiseConv2dBackpropFilter({ x, dy, attrs });
      result.dispose();
    }
  };
  const rows: Array<() => Promise<BenchRow>> = [];
  for (const variant of ['composition', 'direct'] as const) {
    rows.push(() =>
      kernelRow(
        `DepthwiseConv2dNativeBackpropFilter, 17 MobileNetV2 layers b${microBatch}, ${variant}`,
        filterGradient(variant),
      ),
    );
  }
  return rows;
}

/** [size, channels] of a sample of MobileNetV2 1.0's BatchNormalization + ReLU6 activations. */
const activationShapes: Array<[number, number]> = [
  [112, 32],
  [112, 96],
  [56, 144],
  [28, 192],
  [14, 384],
  [14, 576],
  [7, 960],
];

/** Backward of BatchNormalization (training or frozen) followed by ReLU6, fused or composed. */
function normalizationRows(): Array<() => Promise<BenchRow>> {
  const layers = activationShapes.map(([size, channels]) => ({
    x: tf.randomNormal([microBatch, size, size, channels]),
    gamma: tf.randomNormal([channels]),
    beta: tf.randomNormal([channels]),
    movingMean: tf.randomNormal([channels]),
    movingVariance: tf.randomUniform([channels], 0.5, 2),
  }));
  const backward = (training: boolean) => () => {
    for (const { x, gamma, beta, movingMean, movingVariance } of layers) {
      const gradients = tf.tidy(() =>
        tf.grads((input: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = training
            ? tf.moments(input, [0, 1, 2])
            : { mean: movingMean, variance: movingVariance };
          const y = tf.clipByValue(tf.batchNorm(input, mean, variance, offset, scale, 1e-3), 0, 6);
          return tf.sum(tf.mul(y, input));
        })([x, gamma, beta]),
      );
      tf.dispose(gradients);
    }
  };
  const rows: Array<() => Promise<BenchRow>> = [];
  for (const training of [true, false]) {
    const mode = training ? 'training' : 'frozen';
    const name = `BatchNormalization (${mode}) + ReLU6 backward, 7 MobileNetV2 shapes b${microBatch}`;
    rows.push(() =>
      withOriginalGradients('wasm', () => kernelRow(`${name}, composition`, backward(training))),
    );
    rows.push(() => kernelRow(`${name}, fused`, backward(training)));
  }
  return rows;
}

async function kernelRow(name: string, run: () => void): Promise<BenchRow> {
  const cpuBefore = process.cpuUsage();
  const row = await measure({
    suite: 'runtime gradient kernels',
    name,
    backend: 'wasm',
    items: 1,
    unit: 'passes/s',
    warmup: 1,
    runs: 5,
    run,
  });
  // Shared machine: process CPU time per pass is less sensitive to other load than wall time.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMilliseconds = (cpu.user + cpu.system) / 1000 / 6;
  row.notes = `${(row.medianSeconds * 1000).toFixed(0)} ms per pass, ${cpuMilliseconds.toFixed(0)} CPU-ms per pass; load average ${loadavg()[0]?.toFixed(1)}`;
  return row;
}

export default async function gradientKernelsBenchmark(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const rows: BenchRow[] = [];
  for (const row of [...depthwiseRows(), ...normalizationRows()]) rows.push(await row());
  return rows;
}
