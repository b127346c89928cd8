import type * as tfl from '@tensorflow/tfjs-layers';
import type { OnnxValue } from '../convert/layer-converter.js';
import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';

/** What a {@link TrainingLayer} gets to add one layer call's forward nodes. */
export interface TrainingForward {
  /** The layer being converted. */
  layer: tfl.layers.Layer;
  /** Its `getConfig()`. */
  config: Record<string, unknown>;
  /** The call's inputs (rank-4 values NCHW in the graph, tfjs shapes in `shape`). */
  inputs: OnnxValue[];
  /** The tfjs shapes of the call's outputs. */
  outputShapes: tfl.Shape[];
  /** The graph under construction. */
  graph: OnnxGraphBuilder;
  /** Graph input holding the layer's weight `shortName` (`kernel`, `gamma` …) in tfjs layout. */
  weight(shortName: string): string;
  /** Whether the layer runs in training mode (BatchNorm: batch statistics, updated moving ones). */
  training: boolean;
  /** Declares a batch statistic of a training-mode BatchNorm (`[C]` values) as a graph output. */
  statistic(kind: 'mean' | 'variance', value: string): void;
  /**
   * Zero padding of the first input folded into this call, ONNX `[top, left, bottom, right]`:
   * `inputs[0]` is the unpadded value. Set only when {@link TrainingLayer.foldsInputPadding} accepts.
   */
  inputPads?: readonly [number, number, number, number];
}

/** What a forward pass leaves for the backward pass of the same call. */
export interface ForwardResult {
  /** Graph names of the call's outputs, in order. */
  outputs: string[];
  /** Forward values the backward pass reads (e.g. the kernel in ONNX layout). */
  saved?: Record<string, string>;
  /** Names of int64 values among `saved` (all others are float32). */
  int64?: readonly string[];
}

/** What a {@link TrainingLayer} gets to add the backward nodes of one layer call. */
export interface TrainingBackward extends TrainingForward {
  /** The forward call's result. */
  forward: ForwardResult;
  /** Gradient of the loss with respect to each output (graph names, same layout as the outputs). */
  outputGradients: string[];
  /** Whether the gradient of each input is needed (something before it is trainable). */
  inputNeedsGradient: boolean[];
  /** Whether the gradient of weight `shortName` is needed. */
  weightNeedsGradient(shortName: string): boolean;
}

/** Gradients one layer call's backward pass produces. */
export interface BackwardResult {
  /** Gradient of each input (graph name), `undefined` where not needed. */
  inputGradients: Array<string | undefined>;
  /** Gradient of each needed weight by short name, in the weight's tfjs layout and shape. */
  weightGradients?: Record<string, string>;
}

/**
 * Forward and backward ONNX nodes of one tfjs layer class for training graphs, registered by
 * class name with `registerTrainingLayer` (the layers of a backbone without one make the ONNX
 * training engine decline it, so the trainer falls back to tfjs).
 */
export interface TrainingLayer {
  /** Why this configuration cannot be trained in ONNX, or `undefined` when it can. */
  check?(layer: tfl.layers.Layer, config: Record<string, unknown>): string | undefined;
  /**
   * A layer that only zero-pads its input: the pads, ONNX `[top, left, bottom, right]` over
   * space. When its one consumer {@link foldsInputPadding}, no nodes are emitted for it.
   */
  paddingOnly?(config: Record<string, unknown>): [number, number, number, number] | undefined;
  /**
   * Whether this configuration takes a preceding zero padding as its own (a convolution's
   * `pads`), saving a `Pad` pass forward and a `Slice` of the gradient backward.
   */
  foldsInputPadding?(config: Record<string, unknown>): boolean;
  /** Adds the forward nodes. */
  forward(context: TrainingForward): ForwardResult;
  /** Adds the backward nodes. */
  backward(context: TrainingBackward): BackwardResult;
}
