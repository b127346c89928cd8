import { type BackboneSplit, InvalidArgumentError } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { belongsTo } from './layer-freezing.js';

/** Options of {@link splitAtBoundary}. */
export interface SplitAtBoundaryOptions {
  /** The stage or layer the suffix starts with (`block_13`, `layer4`, `block_13_expand`). */
  before: string;
  /** Named stages of the model, listed first among the valid boundaries in errors. */
  stages?: readonly string[];
}

type GraphNode = {
  inboundLayers: tfl.layers.Layer[];
  outboundLayer: tfl.layers.Layer;
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
  callArgs?: Record<string, unknown>;
};

/**
 * Cuts a functional `model` before a stage or layer into a prefix (model input → the single
 * tensor feeding `before`) and a suffix (that tensor → model output) which reuse the model's
 * layer objects, so both read and train the same weights. A boundary is valid when nothing after
 * it needs a tensor from before it other than the boundary itself: the tensor between two
 * MobileNetV2 or ResNet blocks is one, a tensor inside a residual block is not (the skip
 * connection reads the block's input). Throws an {@link InvalidArgumentError} listing the valid
 * boundaries otherwise.
 *
 * `dispose()` releases the suffix's graph (the layer reference counts it added); the weights stay
 * the model's. Never dispose `prefix` or `suffix` themselves: that would release shared weights.
 */
export function splitAtBoundary(
  model: tfl.LayersModel,
  options: SplitAtBoundaryOptions,
): BackboneSplit {
  const graph = modelGraph(model);
  const { before } = options;
  const start = graph.order.find(
    (node) => !isInputNode(node) && belongsTo(node.outboundLayer.name, before),
  );
  if (start === undefined) {
    throw invalidBoundary(model, options, `names no layer or stage of model "${model.name}"`);
  }
  const boundary = start.inputTensors.length === 1 ? start.inputTensors[0] : undefined;
  const suffixNodes = boundary === undefined ? undefined : suffixOf(graph, boundary);
  if (boundary === undefined || suffixNodes === undefined) {
    throw invalidBoundary(
      model,
      options,
      'is not a single-tensor boundary (a layer after it also reads an earlier tensor, e.g. a residual connection, or it has several inputs)',
    );
  }
  const activationShape = boundary.shape.slice(1);
  if (activationShape.some((size) => typeof size !== 'number')) {
    throw invalidBoundary(model, options, 'has an activation of unknown size');
  }
  const input = tfl.input({
    shape: activationShape as number[],
    name: `${model.name}_from_${before.replace(/[^\w]/g, '_')}_${nextSplitId++}`,
  });
  const mapped = new Map<number, tfl.SymbolicTensor>([[boundary.id, input]]);
  for (const node of suffixNodes) {
    const inputs = node.inputTensors.map((tensor) => mapped.get(tensor.id) as tfl.SymbolicTensor);
    const outputs = node.outboundLayer.apply(
      inputs.length === 1 ? (inputs[0] as tfl.SymbolicTensor) : inputs,
      node.callArgs ?? {},
    ) as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    const list = Array.isArray(outputs) ? outputs : [outputs];
    node.outputTensors.forEach((tensor, index) => {
      mapped.set(tensor.id, list[index] as tfl.SymbolicTensor);
    });
  }
  const suffix = tfl.model({
    inputs: input,
    outputs: model.outputs.map((tensor) => mapped.get(tensor.id) as tfl.SymbolicTensor),
    name: `${input.name}_suffix`,
  });
  // A new graph over existing layers: the constructor adds no layer references, so this model
  // must never be disposed (that would release the backbone's weights).
  const prefix = tfl.model({
    inputs: model.inputs,
    outputs: boundary,
    name: `${input.name}_prefix`,
  });
  let disposed = false;
  return {
    before,
    prefix,
    suffix,
    activationShape: activationShape as number[],
    dispose() {
      if (disposed) return;
      disposed = true;
      // Applying layers symbolically added one reference each; disposing the suffix takes them
      // back, and no weight reaches zero while the backbone holds its own reference.
      suffix.dispose();
    },
  };
}

/**
 * Every valid `before` of {@link splitAtBoundary} for `model`, in order: the given stages that
 * are valid, then the layers whose input is a valid boundary.
 */
export function splitBoundaries(
  model: tfl.LayersModel,
  stages: readonly string[] = [],
): { stages: string[]; layers: string[] } {
  const graph = modelGraph(model);
  const validTensors = new Set<number>();
  const layers: string[] = [];
  for (const node of graph.order) {
    if (isInputNode(node) || node.inputTensors.length !== 1) continue;
    const tensor = node.inputTensors[0] as tfl.SymbolicTensor;
    if (validTensors.has(tensor.id) || suffixOf(graph, tensor) !== undefined) {
      validTensors.add(tensor.id);
      layers.push(node.outboundLayer.name);
    }
  }
  const validStages = stages.filter((stage) => {
    const first = graph.order.find(
      (node) => !isInputNode(node) && belongsTo(node.outboundLayer.name, stage),
    );
    return first !== undefined && layers.includes(first.outboundLayer.name);
  });
  return { stages: validStages, layers };
}

let nextSplitId = 0;

interface ModelGraph {
  /** The model's nodes in topological order. */
  order: GraphNode[];
  /** Which node produced each tensor (by id). */
  producer: Map<number, GraphNode>;
  outputs: tfl.SymbolicTensor[];
}

/** The nodes that compute `model`'s outputs, found from the outputs backwards. */
function modelGraph(model: tfl.LayersModel): ModelGraph {
  const order: GraphNode[] = [];
  const producer = new Map<number, GraphNode>();
  const visited = new Set<GraphNode>();
  const nodeOf = (tensor: tfl.SymbolicTensor): GraphNode => {
    const layer = tensor.sourceLayer as unknown as { inboundNodes: GraphNode[] };
    return layer.inboundNodes[tensor.nodeIndex] as GraphNode;
  };
  // Iterative depth-first post-order: MobileNetV2 is ~150 layers deep.
  const stack: Array<{ node: GraphNode; expanded: boolean }> = model.outputs.map((tensor) => ({
    node: nodeOf(tensor),
    expanded: false,
  }));
  while (stack.length > 0) {
    const top = stack.pop() as { node: GraphNode; expanded: boolean };
    if (top.expanded) {
      if (!visited.has(top.node)) {
        visited.add(top.node);
        order.push(top.node);
        for (const tensor of top.node.outputTensors) producer.set(tensor.id, top.node);
      }
      continue;
    }
    if (visited.has(top.node)) continue;
    stack.push({ node: top.node, expanded: true });
    // An input layer's node lists its own tensor as input: nothing to expand.
    if (isInputNode(top.node)) continue;
    for (const tensor of [...top.node.inputTensors].reverse()) {
      const node = nodeOf(tensor);
      if (!visited.has(node)) stack.push({ node, expanded: false });
    }
  }
  for (const layer of model.layers) {
    if ((layer as unknown as { layers?: unknown }).layers !== undefined) {
      throw new InvalidArgumentError({
        argument: 'model',
        value: model.name,
        expected: `must be a flat functional model to split (layer "${layer.name}" is a nested model)`,
      });
    }
  }
  return { order, producer, outputs: model.outputs };
}

function isInputNode(node: GraphNode): boolean {
  return node.inboundLayers.length === 0;
}

/**
 * The nodes after `boundary` (not needed to compute it), in topological order, or `undefined`
 * when one of them reads a tensor computed before the boundary other than the boundary itself.
 */
function suffixOf(graph: ModelGraph, boundary: tfl.SymbolicTensor): GraphNode[] | undefined {
  if (graph.outputs.some((tensor) => tensor.id === boundary.id)) return undefined;
  const prefix = new Set<GraphNode>();
  const pending = [graph.producer.get(boundary.id) as GraphNode];
  while (pending.length > 0) {
    const node = pending.pop() as GraphNode;
    if (prefix.has(node)) continue;
    prefix.add(node);
    if (isInputNode(node)) continue;
    for (const tensor of node.inputTensors)
      pending.push(graph.producer.get(tensor.id) as GraphNode);
  }
  const suffix = graph.order.filter((node) => !prefix.has(node));
  const available = new Set<number>([boundary.id]);
  for (const node of suffix) {
    if (isInputNode(node)) return undefined;
    if (!node.inputTensors.every((tensor) => available.has(tensor.id))) return undefined;
    for (const tensor of node.outputTensors) available.add(tensor.id);
  }
  return suffix;
}

function invalidBoundary(
  model: tfl.LayersModel,
  options: SplitAtBoundaryOptions,
  problem: string,
): InvalidArgumentError {
  const valid = splitBoundaries(model, options.stages);
  const layers =
    valid.layers.length > 12
      ? `${valid.layers.slice(0, 12).join(', ')} … (${valid.layers.length} layers)`
      : valid.layers.join(', ');
  return new InvalidArgumentError({
    argument: 'before',
    value: options.before,
    expected: `${problem}; valid boundaries: ${valid.stages.length > 0 ? `stages ${valid.stages.join(', ')}; ` : ''}layers ${layers}`,
  });
}
