import type * as tfl from '@tensorflow/tfjs-layers';
import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';
import type { OnnxValue } from './layer-converter.js';

/** NHWC → NCHW. */
export const toChannelsFirst = [0, 3, 1, 2] as const;
/** NCHW → NHWC. */
export const toChannelsLast = [0, 2, 3, 1] as const;

/**
 * The graph axis of tfjs axis `axis` (negative counts from the end) of a rank-`rank` value: rank-4
 * values are stored NCHW, so tfjs axis 3 (channels) is graph axis 1; other ranks are unchanged.
 */
export function toChannelsFirstAxis(axis: number, rank: number): number {
  const positive = axis < 0 ? axis + rank : axis;
  if (positive < 0 || positive >= rank)
    throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return rank === 4 ? ([0, 2, 3, 1][positive] as number) : positive;
}

/** The value in tfjs (channels-last) layout: a Transpose for rank 4, the value itself otherwise. */
export function channelsLastValue(graph: OnnxGraphBuilder, value: OnnxValue, name: string): string {
  if (value.shape.length !== 4) return value.name;
  return graph.add({
    opType: 'Transpose',
    inputs: [value.name],
    name: `${name}_to_nhwc`,
    attributes: { perm: toChannelsLast },
  });
}

/** A channels-last result of rank `rank` brought back to graph layout (NCHW for rank 4). */
export function graphLayoutValue(
  graph: OnnxGraphBuilder,
  channelsLast: string,
  rank: number,
  name: string,
): string {
  if (rank !== 4) return channelsLast;
  return graph.add({
    opType: 'Transpose',
    inputs: [channelsLast],
    name: `${name}_to_nchw`,
    attributes: { perm: toChannelsFirst },
  });
}

/** A `[height, width]` pair from a tfjs config field (a number or a pair). */
export function pairOf(value: unknown, field: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((item) => typeof item === 'number')
  ) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`${field} must be a number or a pair of numbers, got ${JSON.stringify(value)}`);
}

/**
 * ONNX `pads` (`[top, left, bottom, right]`) for a 2-D window, reproducing tfjs/TensorFlow:
 * `valid` pads nothing; `same` pads `max((ceil(in/s) − 1)·s + (k − 1)·d + 1 − in, 0)` in total,
 * the odd pixel at the end (bottom/right). `undefined` when `same` meets an unknown spatial size
 * (the caller then uses `auto_pad = SAME_UPPER`, the same rule evaluated at run time).
 */
export function windowPads(options: {
  /** tfjs padding mode. */
  padding: 'same' | 'valid';
  /** The input's tfjs shape `[N, H, W, C]`. */
  inputShape: tfl.Shape;
  /** Window `[height, width]`. */
  kernel: [number, number];
  /** Strides `[height, width]`. */
  strides: [number, number];
  /** Dilations `[height, width]`. */
  dilations: [number, number];
}): [number, number, number, number] | undefined {
  if (options.padding === 'valid') return [0, 0, 0, 0];
  const before: number[] = [];
  const after: number[] = [];
  for (const axis of [0, 1] as const) {
    const size = options.inputShape[axis + 1];
    if (size === null || size === undefined) return undefined;
    const stride = options.strides[axis];
    const effective = (options.kernel[axis] - 1) * options.dilations[axis] + 1;
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + effective - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [before[0] as number, before[1] as number, after[0] as number, after[1] as number];
}

/** Attributes `pads` or `auto_pad` for a window op from {@link windowPads}' result. */
export function padAttributes(
  pads: [number, number, number, number] | undefined,
): Record<string, readonly number[] | string> {
  return pads === undefined ? { auto_pad: 'SAME_UPPER' } : { pads };
}

/** The tfjs `padding` config field, checked. */
export function paddingMode(config: Record<string, unknown>): 'same' | 'valid' {
  const padding = config.padding;
  if (padding === 'same' || padding === 'valid') return padding;
  throw new Error(`padding ${JSON.stringify(padding)} is not supported (same or valid)`);
}

/** Reason a layer with a `dataFormat` field cannot be converted, if any. */
export function channelsLastOnly(config: Record<string, unknown>): string | undefined {
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') {
    return `dataFormat ${String(config.dataFormat)} (only channelsLast is supported)`;
  }
  return undefined;
}
