import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The parts of a tfjs-layers graph node read here (tfjs-layers does not export the type). */
interface GraphNode {
  inboundLayers: tfl.layers.Layer[];
  outboundLayer: tfl.layers.Layer;
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
  callArgs?: Record<string, unknown>;
}

/** The node of the graph that produced `tensor`. */
export function producerOf(tensor: tfl.SymbolicTensor): GraphNode {
  const layer = tensor.sourceLayer as unknown as { inboundNodes: GraphNode[] };
  return layer.inboundNodes[tensor.nodeIndex] as GraphNode;
}

/** A layer that is itself a functional model (a nested head, a wrapped backbone). */
export function asNestedModel(layer: tfl.layers.Layer): tfl.LayersModel | undefined {
  const candidate = layer as unknown as Partial<tfl.LayersModel>;
  return Array.isArray(candidate.layers) && Array.isArray(candidate.inputs)
    ? (layer as unknown as tfl.LayersModel)
    : undefined;
}

/** A model's logits and the activation that turns them into its output. */
export interface SquashedLogits {
  /** `[N, C]` pre-activation. */
  logits: tf.Tensor;
  /** The activation the model applies to them. */
  activation: 'softmax' | 'sigmoid';
}

/**
 * Runs a functional model eagerly, layer by layer, in inference mode, keeping every intermediate
 * tensor by symbolic-tensor id, and descending into nested models (whose tensors share the same
 * id space). Seeding a tensor's value cuts the graph there: Grad-CAM seeds the feature map with a
 * tensor it differentiates against. Values it computes belong to the caller's `tf.tidy`.
 */
export class GraphEvaluator {
  /** Values by symbolic-tensor id. */
  readonly values = new Map<number, tf.Tensor>();
  /** The tensors given a value by evaluation, in the order computed (a topological order). */
  readonly computed: tfl.SymbolicTensor[] = [];

  /** Gives `tensor` a value; the graph before it is then never evaluated for it. */
  seed(tensor: tfl.SymbolicTensor, value: tf.Tensor): void {
    this.values.set(tensor.id, value);
  }

  /** The value of `tensor`, computing what it depends on. */
  valueOf(tensor: tfl.SymbolicTensor): tf.Tensor {
    const known = this.values.get(tensor.id);
    if (known !== undefined) return known;
    const node = producerOf(tensor);
    if (node.inboundLayers.length === 0) {
      throw new Error(`input ${tensor.name} of the model has no value (internal error)`);
    }
    const inputs = node.inputTensors.map((input) => this.valueOf(input));
    const nested = asNestedModel(node.outboundLayer);
    if (nested !== undefined) {
      nested.inputs.forEach((input, index) => {
        this.seed(input, inputs[index] as tf.Tensor);
      });
      nested.outputs.forEach((output, index) => {
        this.record(node.outputTensors[index] as tfl.SymbolicTensor, this.valueOf(output));
      });
    } else {
      const outputs = node.outboundLayer.apply(
        inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs,
        {
          ...(node.callArgs ?? {}),
          training: false,
        },
      ) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(outputs) ? outputs : [outputs];
      node.outputTensors.forEach((output, index) => {
        this.record(output, list[index] as tf.Tensor);
      });
    }
    return this.values.get(tensor.id) as tf.Tensor;
  }

  /**
   * The pre-activation of `tensor` when it is made by a softmax/sigmoid (a Dense layer with that
   * activation, or an activation layer), looking through nested models, with the activation;
   * `undefined` otherwise. Grad-CAM differentiates logits, not squashed probabilities.
   */
  logitsOf(tensor: tfl.SymbolicTensor): SquashedLogits | undefined {
    const node = producerOf(tensor);
    if (node.inboundLayers.length === 0) return undefined;
    const layer = node.outboundLayer;
    const nested = asNestedModel(layer);
    if (nested !== undefined) {
      const index = node.outputTensors.findIndex((output) => output.id === tensor.id);
      const inputs = node.inputTensors.map((input) => this.valueOf(input));
      nested.inputs.forEach((input, position) => {
        this.seed(input, inputs[position] as tf.Tensor);
      });
      return this.logitsOf(nested.outputs[index] as tfl.SymbolicTensor);
    }
    const config = layer.getConfig();
    const className = layer.getClassName();
    const configured = typeof config.activation === 'string' ? config.activation : undefined;
    const activation = className === 'Softmax' ? 'softmax' : configured;
    if (activation !== 'softmax' && activation !== 'sigmoid') return undefined;
    const input = node.inputTensors[0] as tfl.SymbolicTensor;
    if (className === 'Softmax' || className === 'Activation') {
      return { logits: this.valueOf(input), activation };
    }
    if (className !== 'Dense') return undefined;
    const features = this.valueOf(input);
    if (features.rank !== 2) return undefined;
    const [kernel, bias] = layer.getWeights();
    const product = tf.matMul(features as tf.Tensor2D, kernel as tf.Tensor2D);
    const logits = config.useBias === false || bias === undefined ? product : tf.add(product, bias);
    return { logits, activation };
  }

  private record(tensor: tfl.SymbolicTensor, value: tf.Tensor): void {
    this.values.set(tensor.id, value);
    this.computed.push(tensor);
  }
}
