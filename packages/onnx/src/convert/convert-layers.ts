import type * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedLayerError } from '../errors/unsupported-layer-error.js';
import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';
import { activationRegistry } from './activation-registry.js';
import type { LayerConverter, LayerWeight, OnnxValue } from './layer-converter.js';
import { layerConverterRegistry } from './layer-converter-registry.js';
import { isNestedModel } from './layers/nested-model.js';

/** A call of a layer in the graph (tfjs-layers `Node`, not exported by the package). */
export interface GraphNode {
  readonly outboundLayer: tfl.layers.Layer;
  readonly inputTensors: tfl.SymbolicTensor[];
  readonly outputTensors: tfl.SymbolicTensor[];
}

type Config = Record<string, unknown>;

/**
 * The first layer of `model` (nested models included) that cannot be converted, as the error
 * {@link convertLayers} would throw; `undefined` when every layer has a converter that accepts
 * its configuration. Reads no weights.
 */
export function findUnsupportedLayer(model: tfl.LayersModel): UnsupportedLayerError | undefined {
  const registry = layerConverterRegistry();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (!registry.has(className)) {
      return unsupported(layer, `no converter is registered for ${className}`);
    }
    if (isNestedModel(layer)) {
      const inner = findUnsupportedLayer(layer);
      if (inner !== undefined) return inner;
      continue;
    }
    const config = layer.getConfig() as Config;
    const reason = checkLayer(registry.get(className), layer, config);
    if (reason !== undefined) return unsupported(layer, reason);
  }
  return undefined;
}

function checkLayer(
  converter: LayerConverter,
  layer: tfl.layers.Layer,
  config: Config,
): string | undefined {
  const reason = converter.check?.(layer, config);
  if (reason !== undefined) return reason;
  const activation = config.activation;
  if (typeof activation === 'string' && !activationRegistry().has(activation)) {
    return (
      `activation ${JSON.stringify(activation)} has no converter ` +
      `(supported: ${activationRegistry().names().join(', ')})`
    );
  }
  return undefined;
}

function unsupported(layer: tfl.layers.Layer, reason: string): UnsupportedLayerError {
  return new UnsupportedLayerError({
    layerName: layer.name,
    className: layer.getClassName(),
    reason,
    supportedClasses: layerConverterRegistry().names(),
  });
}

/**
 * Adds the nodes of `model` called on `inputs` (graph values, rank-4 ones NCHW) to `graph` and
 * returns its outputs. Layers are converted in topological order by their registered converter;
 * nested models are inlined.
 */
export function convertLayers(
  graph: OnnxGraphBuilder,
  model: tfl.LayersModel,
  inputs: OnnxValue[],
): OnnxValue[] {
  const values = new Map<number, OnnxValue>();
  model.inputs.forEach((tensor, index) => {
    const value = inputs[index];
    if (value === undefined) throw new Error(`${model.name}: input ${index} not given`);
    values.set(tensor.id, value);
  });
  const registry = layerConverterRegistry();
  for (const node of topologicalNodes(model, values)) {
    const layer = node.outboundLayer;
    const className = layer.getClassName();
    if (!registry.has(className)) {
      throw unsupported(layer, `no converter is registered for ${className}`);
    }
    const converter = registry.get(className);
    const config = layer.getConfig() as Config;
    const reason = isNestedModel(layer) ? undefined : checkLayer(converter, layer, config);
    if (reason !== undefined) throw unsupported(layer, reason);
    const nodeInputs = node.inputTensors.map((tensor) => {
      const value = values.get(tensor.id);
      if (value === undefined) throw new Error(`${layer.name}: input ${tensor.name} not converted`);
      return value;
    });
    const outputs = converter.convert({
      layer,
      config,
      inputs: nodeInputs,
      outputShapes: node.outputTensors.map((tensor) => tensor.shape),
      graph,
      weights: () => readWeights(layer),
      activation: (name, input, nodeName) =>
        activationRegistry().get(name)({ graph, input, name: nodeName }),
      convertNested: (nested, nestedInputs) => convertLayers(graph, nested, nestedInputs),
    });
    if (outputs.length !== node.outputTensors.length) {
      throw new Error(
        `The ONNX converter of ${className} returned ${outputs.length} outputs for layer ` +
          `${layer.name}, which has ${node.outputTensors.length}`,
      );
    }
    node.outputTensors.forEach((tensor, index) => {
      values.set(tensor.id, { name: outputs[index] as string, shape: tensor.shape });
    });
  }
  return model.outputs.map((tensor) => {
    const value = values.get(tensor.id);
    if (value === undefined) throw new Error(`${model.name}: output ${tensor.name} not converted`);
    return value;
  });
}

/** Nodes producing `model`'s outputs, inputs first, stopping at tensors already in `known`. */
export function topologicalNodes(
  model: tfl.LayersModel,
  known: Map<number, OnnxValue>,
): GraphNode[] {
  const order: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  // Iterative depth-first search: ResNet152's chain is too deep for comfortable recursion.
  const stack: Array<{ node: GraphNode; expanded: boolean }> = [];
  const push = (tensor: tfl.SymbolicTensor) => {
    if (known.has(tensor.id)) return;
    const node = producerOf(tensor);
    if (!visited.has(node)) stack.push({ node, expanded: false });
  };
  for (const output of [...model.outputs].reverse()) push(output);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: GraphNode; expanded: boolean };
    if (visited.has(top.node) && !top.expanded) {
      stack.pop();
      continue;
    }
    if (top.expanded) {
      stack.pop();
      order.push(top.node);
      continue;
    }
    top.expanded = true;
    visited.add(top.node);
    for (const tensor of [...top.node.inputTensors].reverse()) push(tensor);
  }
  return order;
}

function producerOf(tensor: tfl.SymbolicTensor): GraphNode {
  const nodes = tensor.sourceLayer.inboundNodes as unknown as GraphNode[];
  const node = nodes[tensor.nodeIndex];
  if (node === undefined) throw new Error(`No layer call produces tensor ${tensor.name}`);
  if (node.outboundLayer.getClassName() === 'InputLayer') {
    throw new Error(`Tensor ${tensor.name} comes from an input layer that is not a model input`);
  }
  return node;
}

/** The layer's weights by short name (after the last `/`), copied out with `dataSync`. */
function readWeights(layer: tfl.layers.Layer): Map<string, LayerWeight> {
  const weights = new Map<string, LayerWeight>();
  for (const variable of layer.weights) {
    const shortName = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
    // read() returns the variable's own tensor (not a copy): never dispose it.
    const values = Float32Array.from(variable.read().dataSync() as Float32Array);
    weights.set(shortName, { values, shape: [...variable.shape] as number[] });
  }
  return weights;
}
