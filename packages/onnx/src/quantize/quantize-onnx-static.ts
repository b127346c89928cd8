import { InvalidArgumentError } from '@graft/core';
import { onnxAttributeType } from '../proto/onnx-schema.js';
import type { ActivationRange } from './activation-range-observer.js';
import {
  type DecodedInitializer,
  floatValues,
  littleEndianFloats,
  littleEndianInt32s,
  quantizePerAxis,
} from './int8-tensor-values.js';
import {
  activationInputs,
  type DecodedNode,
  encodeOnnxModel,
  planQdqGraph,
  qdqDataType,
} from './qdq-graph-plan.js';

/** Options of {@link quantizeOnnxStatic}. */
export interface QuantizeOnnxStaticOptions {
  /** The serialized float32 model that was calibrated (opset ≥ 13). */
  model: Uint8Array;
  /** Each calibrated tensor's `[min, max]` (`buildCalibrationModel(…).tensors`). */
  ranges: Readonly<Record<string, ActivationRange>>;
}

/** What {@link quantizeOnnxStatic} returns. */
export interface QuantizedOnnxStatic {
  /** The QDQ model. */
  model: Uint8Array;
  /** Activations behind QuantizeLinear → DequantizeLinear (uint8). */
  quantizedActivations: number;
  /** Conv/Gemm weights stored int8 per output channel. */
  quantizedWeights: number;
  /** ReLU/ReLU6 nodes replaced by uint8 saturation of their producer's output. */
  foldedActivations: number;
}

/**
 * Static (calibrated) post-training quantization into ONNX Runtime's recommended CPU layout (QDQ,
 * "U8S8"): activations uint8 with an asymmetric range (scale = (max − min) / 255 over a range that
 * includes 0, so zero padding stays exact); Conv/Gemm weights int8, symmetric, per output channel;
 * biases int32 with scale input scale × weight scale, as QLinearConv and QGemm take them. No
 * `reduce_range`: ORT documents it only against U8S8 saturation on AVX2/AVX-512 machines without
 * VNNI. ONNX Runtime fuses each Conv/Gemm/Add/GlobalAveragePool with its Q/DQ neighbours into
 * integer kernels at load. Pure: returns the new model, writes nothing.
 */
export function quantizeOnnxStatic(options: QuantizeOnnxStaticOptions): QuantizedOnnxStatic {
  const plan = planQdqGraph(options.model);
  const missing = plan.calibratedTensors.filter((name) => options.ranges[name] === undefined);
  if (missing.length > 0) {
    throw new InvalidArgumentError({
      argument: 'ranges',
      value: `${Object.keys(options.ranges).length} tensors`,
      expected: `must hold a range for every tensor of buildCalibrationModel(…).tensors; missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    });
  }
  const graph = plan.model.graph as NonNullable<typeof plan.model.graph>;
  const taken = new Set<string>([
    ...plan.initializers.keys(),
    ...(graph.node ?? []).flatMap((node) => [...(node.input ?? []), ...(node.output ?? [])]),
  ]);
  const unique = (base: string) => {
    let name = base;
    for (let index = 1; taken.has(name); index++) name = `${base}_${index}`;
    taken.add(name);
    return name;
  };
  const added: DecodedInitializer[] = [];
  const scalar = (name: string, dataType: number, rawData: Uint8Array) => {
    added.push({ name, dims: [], dataType, rawData });
    return name;
  };

  // One scale and zero point per range owner; tensors sharing a range share the initializers.
  const parameters = new Map<string, { scale: number; scaleName: string; zeroPointName: string }>();
  for (const owner of plan.calibratedTensors) {
    const [min, max] = options.ranges[owner] as ActivationRange;
    const { scale, zeroPoint } = uint8Parameters(min, max);
    parameters.set(owner, {
      scale,
      scaleName: scalar(
        unique(`${owner}_scale`),
        qdqDataType.float,
        littleEndianFloats(Float32Array.of(scale)),
      ),
      zeroPointName: scalar(
        unique(`${owner}_zero_point`),
        qdqDataType.uint8,
        Uint8Array.of(zeroPoint),
      ),
    });
  }
  const parametersOf = (tensor: string) =>
    parameters.get(plan.rangeOwners.get(tensor) as string) as NonNullable<
      ReturnType<typeof parameters.get>
    >;

  const dequantized = new Map<string, string>();
  const qdqNodesAfter = (tensor: string): DecodedNode[] => {
    const { scaleName, zeroPointName } = parametersOf(tensor);
    const quantizedName = unique(`${tensor}_quantized`);
    const dequantizedName = unique(`${tensor}_dequantized`);
    dequantized.set(tensor, dequantizedName);
    return [
      {
        name: unique(`${tensor}_QuantizeLinear`),
        opType: 'QuantizeLinear',
        input: [tensor, scaleName, zeroPointName],
        output: [quantizedName],
      },
      {
        name: unique(`${tensor}_DequantizeLinear`),
        opType: 'DequantizeLinear',
        input: [quantizedName, scaleName, zeroPointName],
        output: [dequantizedName],
      },
    ];
  };

  const weightNodes: DecodedNode[] = [];
  let quantizedWeights = 0;
  // A weight read by two nodes with different input scales would need two biases; each
  // Conv/Gemm gets its own dequantized copy of its weight and bias.
  const quantizeWeightAndBias = (node: DecodedNode, activation: string) => {
    const inputs = [...(node.input ?? [])];
    const weight = plan.initializers.get(inputs[1] as string) as DecodedInitializer;
    const dims = weight.dims ?? [];
    const values = floatValues(weight) as Float32Array;
    let axis = 0;
    if (node.opType === 'Gemm') {
      const transposed = node.attribute?.find((attribute) => attribute.name === 'transB');
      axis = (transposed?.i ?? 0) === 1 ? 0 : 1;
    }
    const quantized = quantizePerAxis(values, dims, axis);
    const base = weight.name ?? 'weight';
    const valuesName = unique(`${base}_quantized`);
    const scaleName = unique(`${base}_scale`);
    const zeroPointName = unique(`${base}_zero_point`);
    const channels = quantized.scales.length;
    added.push(
      {
        name: valuesName,
        dims,
        dataType: qdqDataType.int8,
        rawData: new Uint8Array(quantized.values.buffer),
      },
      {
        name: scaleName,
        dims: [channels],
        dataType: qdqDataType.float,
        rawData: littleEndianFloats(quantized.scales),
      },
      {
        name: zeroPointName,
        dims: [channels],
        dataType: qdqDataType.int8,
        rawData: new Uint8Array(channels),
      },
    );
    const weightOutput = unique(`${base}_dequantized`);
    weightNodes.push(
      dequantizeNode(
        unique(`${base}_DequantizeLinear`),
        [valuesName, scaleName, zeroPointName],
        weightOutput,
        axis,
      ),
    );
    inputs[1] = weightOutput;
    quantizedWeights++;

    // A one-axis bias of one value per channel becomes int32; another shape (Gemm's broadcast C)
    // stays float, which ONNX Runtime runs correctly but unfused.
    const bias = plan.initializers.get(inputs[2] ?? '');
    const biasValues = bias === undefined ? undefined : floatValues(bias);
    if (
      bias !== undefined &&
      biasValues !== undefined &&
      biasValues.length === channels &&
      (bias.dims ?? []).length === 1
    ) {
      const inputScale = parametersOf(activation).scale;
      // QLinearConv/QGemm add the int32 bias at scale input × weight, so that is its scale.
      const biasScales = quantized.scales.map((scale) => Math.fround(inputScale * scale));
      const levels = Int32Array.from(biasValues, (value, channel) =>
        Math.max(
          -(2 ** 31),
          Math.min(2 ** 31 - 1, Math.round(value / (biasScales[channel] as number))),
        ),
      );
      const biasBase = bias.name ?? 'bias';
      const biasValuesName = unique(`${biasBase}_quantized`);
      const biasScaleName = unique(`${biasBase}_scale`);
      const biasZeroName = unique(`${biasBase}_zero_point`);
      added.push(
        {
          name: biasValuesName,
          dims: bias.dims ?? [channels],
          dataType: qdqDataType.int32,
          rawData: littleEndianInt32s(levels),
        },
        {
          name: biasScaleName,
          dims: [channels],
          dataType: qdqDataType.float,
          rawData: littleEndianFloats(biasScales),
        },
        {
          name: biasZeroName,
          dims: [channels],
          dataType: qdqDataType.int32,
          rawData: new Uint8Array(4 * channels),
        },
      );
      const biasOutput = unique(`${biasBase}_dequantized`);
      weightNodes.push(
        dequantizeNode(
          unique(`${biasBase}_DequantizeLinear`),
          [biasValuesName, biasScaleName, biasZeroName],
          biasOutput,
          0,
        ),
      );
      inputs[2] = biasOutput;
    }
    node.input = inputs;
  };

  const body: DecodedNode[] = [];
  for (const name of plan.quantizedTensors) {
    if (plan.graphInputs.has(name)) body.push(...qdqNodesAfter(name));
  }
  for (const node of graph.node ?? []) {
    if (plan.quantizedNodes.has(node)) {
      const activations = new Set(activationInputs(node));
      const activation = node.input?.[0] ?? '';
      node.input = (node.input ?? []).map((input) =>
        activations.has(input) ? (dequantized.get(input) ?? input) : input,
      );
      if (node.opType === 'Conv' || node.opType === 'Gemm') quantizeWeightAndBias(node, activation);
    }
    body.push(node);
    for (const output of node.output ?? []) {
      if (plan.rangeOwners.has(output)) body.push(...qdqNodesAfter(output));
    }
  }
  // Float weights now stored int8, and the bounds of folded Clips, leave the file; a tensor
  // something still reads stays.
  const stillRead = new Set(body.flatMap((node) => node.input ?? []));
  graph.initializer = [
    ...[...plan.initializers.values()].filter((tensor) => stillRead.has(tensor.name ?? '')),
    ...added,
  ];
  // Dequantized weights read only initializers, so they go first: the graph stays sorted.
  graph.node = [...weightNodes, ...body];
  return {
    model: encodeOnnxModel(plan.model),
    quantizedActivations: plan.quantizedTensors.length,
    quantizedWeights,
    foldedActivations: plan.foldedActivations,
  };
}

/**
 * uint8 asymmetric parameters of ONNX Runtime's quantizer: the range is widened to include 0, so
 * float 0 is exactly a level; a zero-width range gets scale 1.
 */
export function uint8Parameters(min: number, max: number): { scale: number; zeroPoint: number } {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  const scale = high > low ? Math.fround((high - low) / 255) : 1;
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

function dequantizeNode(name: string, input: string[], output: string, axis: number): DecodedNode {
  return {
    name,
    opType: 'DequantizeLinear',
    input,
    output: [output],
    attribute: [{ name: 'axis', type: onnxAttributeType.int, i: axis }],
  };
}
