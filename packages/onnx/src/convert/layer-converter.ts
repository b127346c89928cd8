import type * as tfl from '@tensorflow/tfjs-layers';
import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';

/**
 * A tensor of the ONNX graph under construction. `shape` is the tfjs shape (channels-last,
 * `null` for the batch); a rank-4 value is stored channels-first (NCHW) in the graph, every other
 * rank as it is in tfjs (see {@link toChannelsFirstAxis}).
 */
export interface OnnxValue {
  /** Name of the value in the ONNX graph. */
  name: string;
  /** The tfjs (channels-last) shape. */
  shape: tfl.Shape;
}

/** A layer weight read as plain numbers (no tensor is kept). */
export interface LayerWeight {
  /** Values in tfjs (row-major, channels-last) order. */
  values: Float32Array;
  /** tfjs shape. */
  shape: number[];
}

/** What a {@link LayerConverter} gets for one call of a layer in the model. */
export interface LayerConversion {
  /** The layer being converted. */
  layer: tfl.layers.Layer;
  /** Its `getConfig()`. */
  config: Record<string, unknown>;
  /** The call's inputs, in order. */
  inputs: OnnxValue[];
  /** The tfjs shapes of the call's outputs. */
  outputShapes: tfl.Shape[];
  /** The graph to add nodes and initializers to. */
  graph: OnnxGraphBuilder;
  /**
   * The layer's weights by short name (`kernel`, `bias`, `gamma`, `moving_mean` …), read with
   * `dataSync` (copies; no tensor is created or kept).
   */
  weights(): Map<string, LayerWeight>;
  /** Adds the nodes of the tfjs activation `name` (`relu`, `softmax` …) applied to `input`. */
  activation(name: string, input: OnnxValue, nodeName: string): string;
  /** Converts a nested model called on `inputs` (for container layers); returns its outputs. */
  convertNested(model: tfl.LayersModel, inputs: OnnxValue[]): OnnxValue[];
}

/** Turns one layer class into ONNX nodes; registered by class name with `registerLayerConverter`. */
export interface LayerConverter {
  /**
   * Why this layer's configuration cannot be converted (e.g. `dataFormat channelsFirst`), or
   * `undefined` when it can. Called by `onnxSupport` and before `convert`.
   */
  check?(layer: tfl.layers.Layer, config: Record<string, unknown>): string | undefined;
  /** Adds the layer's nodes; returns the ONNX name of each output, in order. */
  convert(conversion: LayerConversion): string[];
}

/** A tfjs activation (by its serialised name) turned into ONNX nodes. */
export type ActivationConverter = (options: {
  /** The graph to add nodes to. */
  graph: OnnxGraphBuilder;
  /** The value the activation reads. */
  input: OnnxValue;
  /** Base name for the nodes. */
  name: string;
}) => string;
