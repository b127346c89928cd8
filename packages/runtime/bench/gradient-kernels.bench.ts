// The fused gradient kernels against the compositions they replace, on wasm, in one process:
// every depthwise layer of MobileNetV2 1.0 at 224x224 for one micro-batch of 4.
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { type BenchRow, measure } from '@graft/bench-kit';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { depthwiseConv2dBackpropFilter } from '../src/wasm-kernels/depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from '../src/wasm-kernels/depthwise-conv2d-backprop-input.js';

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
  const inputGradient = (variant: Variant) => () => {
    for (const { x, dy, filter, stride } of layers) {
      const attrs = {
        strides: stride,
        dilations: 1,
        pad: 'same',
        inputShape: x.shape,
      } as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      const result =
        variant === 'direct'
          ? (tf
              .engine()
              .runKernel(
                tf.DepthwiseConv2dNativeBackpropInput,
                { dy, filter },
                attrs as unknown as tf.NamedAttrMap,
              ) as tf.Tensor)
          : depthwiseConv2dBackpropInput({ dy, filter, attrs });
      result.dispose();
    }
  };
  const rows: Array<() => Promise<BenchRow>> = [];
  for (const [kernel, make] of [
    ['DepthwiseConv2dNativeBackpropFilter', filterGradient],
    ['DepthwiseConv2dNativeBackpropInput', inputGradient],
  ] as const) {
    for (const variant of ['composition', 'direct'] as const) {
      rows.push(() =>
        kernelRow(`${kernel}, 17 MobileNetV2 layers b${microBatch}, ${variant}`, make(variant)),
      );
    }
  }
  return rows;
}

async function kernelRow(name: string, run: () => void): Promise<BenchRow> {
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
  row.notes = `${(row.medianSeconds * 1000).toFixed(0)} ms per pass; load average ${loadavg()[0]?.toFixed(1)}`;
  return row;
}

export default async function gradientKernelsBenchmark(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const rows: BenchRow[] = [];
  for (const row of depthwiseRows()) rows.push(await row());
  return rows;
}
