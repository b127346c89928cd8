import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphNode } from '../convert/convert-layers.js';
import type { TrainingLayer } from './training-layer.js';
import { trainingLayerRegistry } from './training-layer-registry.js';

type Config = Record<string, unknown>;

/** A folded zero padding: its output is its input, its gradient passes through. */
export const passThrough: TrainingLayer = {
  forward: ({ inputs }) => ({ outputs: [inputs[0]?.name as string] }),
  backward: ({ outputGradients, inputNeedsGradient }) => ({
    inputGradients: [inputNeedsGradient[0] ? outputGradients[0] : undefined],
  }),
};

/**
 * Zero paddings whose one consumer takes them as its own pads (`foldsInputPadding`), e.g.
 * MobileNetV2's `block_N_pad` before a strided depthwise convolution.
 */
export function foldablePaddings(nodes: readonly GraphNode[], model: tfl.LayersModel) {
  const registry = trainingLayerRegistry();
  const consumers = new Map<number, GraphNode[]>();
  for (const node of nodes) {
    for (const tensor of node.inputTensors) {
      consumers.set(tensor.id, [...(consumers.get(tensor.id) ?? []), node]);
    }
  }
  const outputs = new Set(model.outputs.map((tensor) => tensor.id));
  const byPadding = new Map<GraphNode, readonly [number, number, number, number]>();
  const byConsumer = new Map<GraphNode, readonly [number, number, number, number]>();
  const sources = new Map<GraphNode, tfl.SymbolicTensor>();
  for (const node of nodes) {
    const pads = registry
      .get(node.outboundLayer.getClassName())
      .paddingOnly?.(node.outboundLayer.getConfig() as Config);
    const output = node.outputTensors[0];
    const source = node.inputTensors[0];
    if (pads === undefined || output === undefined || source === undefined) continue;
    if (node.outputTensors.length !== 1 || outputs.has(output.id)) continue;
    const users = consumers.get(output.id) ?? [];
    const consumer = users[0];
    if (users.length !== 1 || consumer === undefined) continue;
    if (consumer.inputTensors.length !== 1 || byConsumer.has(consumer)) continue;
    const layer = consumer.outboundLayer;
    const accepts = registry
      .get(layer.getClassName())
      .foldsInputPadding?.(layer.getConfig() as Config);
    if (accepts !== true) continue;
    byPadding.set(node, pads);
    byConsumer.set(consumer, pads);
    sources.set(consumer, source);
  }
  return { byPadding, byConsumer, sources };
}
