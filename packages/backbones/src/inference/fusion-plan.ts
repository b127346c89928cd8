import type * as tfl from '@tensorflow/tfjs-layers';
import type { FusedActivation } from './fused-convolution.js';

// Which layer chains of a model `foldBatchNorm` turns into one fused convolution.

/** A call of a layer in the graph (tfjs-layers `Node`, not exported by the package). */
export interface GraphNode {
  readonly outboundLayer: tfl.layers.Layer;
  readonly inputTensors: tfl.SymbolicTensor[];
  readonly outputTensors: tfl.SymbolicTensor[];
  readonly callArgs?: Record<string, unknown>;
}

/** A chain `[ZeroPadding2D] → Conv2D | DepthwiseConv2D → [BatchNormalization] → [ReLU | ReLU6]`. */
export interface Fusion {
  convolution: GraphNode;
  padding: GraphNode | undefined;
  batchNorm: GraphNode | undefined;
  activationNode: GraphNode | undefined;
  activation: FusedActivation;
  /** The original tensor the fused layer reads. */
  input: tfl.SymbolicTensor;
  /** The original tensor the fused layer's output replaces. */
  output: tfl.SymbolicTensor;
}

/** A layer's `getConfig()`, read as plain values. */
export type LayerConfig = Record<string, unknown>;

/** Every node between the model's inputs and outputs, producers before consumers. */
export function topologicalNodes(model: tfl.LayersModel): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  const visit = (node: GraphNode) => {
    if (visited.has(node)) return;
    visited.add(node);
    for (const tensor of node.inputTensors) visit(producerOf(tensor));
    order.push(node);
  };
  for (const output of model.outputs) visit(producerOf(output));
  return order;
}

/** The layer call that produces `tensor`. */
export function producerOf(tensor: tfl.SymbolicTensor): GraphNode {
  const nodes = tensor.sourceLayer.inboundNodes as unknown as GraphNode[];
  const node = nodes[tensor.nodeIndex];
  if (node === undefined) throw new Error(`foldBatchNorm: no node produces ${tensor.name}`);
  return node;
}

/** Consumers of each tensor inside this model; a model output counts as a consumer. */
export function consumersOf(order: GraphNode[], model: tfl.LayersModel): Map<number, GraphNode[]> {
  const consumers = new Map<number, GraphNode[]>();
  const add = (tensor: tfl.SymbolicTensor, node: GraphNode | undefined) => {
    const list = consumers.get(tensor.id) ?? [];
    if (node !== undefined) list.push(node);
    else list.push(undefined as unknown as GraphNode, undefined as unknown as GraphNode);
    consumers.set(tensor.id, list);
  };
  for (const node of order) for (const tensor of node.inputTensors) add(tensor, node);
  // An output must stay observable: give it two "consumers" so nothing fuses across it.
  for (const output of model.outputs) add(output, undefined);
  return consumers;
}

/** The node consuming `tensor` when it is its only consumer, else `undefined`. */
export function soleConsumer(
  tensor: tfl.SymbolicTensor,
  consumers: Map<number, GraphNode[]>,
): GraphNode | undefined {
  const list = consumers.get(tensor.id);
  return list?.length === 1 ? list[0] : undefined;
}

const fusableActivations: ReadonlySet<string> = new Set(['linear', 'relu', 'relu6']);

/** The chain starting at convolution `node` that can run as one fused layer, if any. */
export function planFusion(
  node: GraphNode,
  consumers: Map<number, GraphNode[]>,
): Fusion | undefined {
  const layer = node.outboundLayer;
  const className = layer.getClassName();
  if (className !== 'Conv2D' && className !== 'DepthwiseConv2D') return undefined;
  const config = layer.getConfig() as LayerConfig;
  const input = node.inputTensors[0];
  const output = node.outputTensors[0];
  if (node.inputTensors.length !== 1 || input === undefined || output === undefined)
    return undefined;
  if (input.shape.length !== 4 || config.dataFormat !== 'channelsLast') return undefined;
  if (config.padding !== 'same' && config.padding !== 'valid') return undefined;
  const convActivation = String(config.activation ?? 'linear');
  if (!fusableActivations.has(convActivation)) return undefined;
  if (className === 'DepthwiseConv2D' && !pairOf(config.dilationRate).every((rate) => rate === 1)) {
    return undefined;
  }
  const fusion: Fusion = {
    convolution: node,
    padding: undefined,
    batchNorm: undefined,
    activationNode: undefined,
    activation: convActivation as FusedActivation,
    input,
    output,
  };
  if (convActivation === 'linear') {
    const next = soleConsumer(output, consumers);
    if (next !== undefined && isChannelsLastBatchNorm(next)) {
      fusion.batchNorm = next;
      fusion.output = next.outputTensors[0] as tfl.SymbolicTensor;
    }
    const after = soleConsumer(fusion.output, consumers);
    const activation = after === undefined ? undefined : reluKind(after);
    if (after !== undefined && activation !== undefined) {
      fusion.activationNode = after;
      fusion.activation = activation;
      fusion.output = after.outputTensors[0] as tfl.SymbolicTensor;
    }
  }
  const padding = producerOf(input);
  if (
    padding.outboundLayer.getClassName() === 'ZeroPadding2D' &&
    (padding.outboundLayer.getConfig() as LayerConfig).dataFormat === 'channelsLast' &&
    soleConsumer(input, consumers) === node &&
    typeof padding.inputTensors[0]?.shape[1] === 'number' &&
    typeof padding.inputTensors[0]?.shape[2] === 'number'
  ) {
    fusion.padding = padding;
    fusion.input = padding.inputTensors[0] as tfl.SymbolicTensor;
  }
  return fusion;
}

/** Whether `node` is a BatchNormalization over the last (channels) axis. */
export function isChannelsLastBatchNorm(node: GraphNode): boolean {
  if (node.outboundLayer.getClassName() !== 'BatchNormalization') return false;
  const axis = (node.outboundLayer.getConfig() as LayerConfig).axis;
  return axis === -1 || axis === 3;
}

/** `relu` / `relu6` when the node is a ReLU layer (max 6 or none) or a relu/relu6 Activation. */
export function reluKind(node: GraphNode): FusedActivation | undefined {
  const className = node.outboundLayer.getClassName();
  const config = node.outboundLayer.getConfig() as LayerConfig;
  if (className === 'ReLU') {
    if (config.maxValue === null || config.maxValue === undefined) return 'relu';
    return config.maxValue === 6 ? 'relu6' : undefined;
  }
  if (className === 'Activation') {
    return config.activation === 'relu' || config.activation === 'relu6'
      ? config.activation
      : undefined;
  }
  return undefined;
}

/** A `[height, width]` pair from a Keras config value (a number or a pair). */
export function pairOf(value: unknown): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value)) {
    const [first, second] = value as number[];
    return [first ?? 1, second ?? first ?? 1];
  }
  return [1, 1];
}
