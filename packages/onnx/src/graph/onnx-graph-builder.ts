import { onnxAttributeType, onnxDataType } from '../proto/onnx-schema.js';

/** A node attribute value: a number is an `int` unless listed in `floats` of {@link OnnxNodeOptions}. */
export type OnnxAttributeValue = number | string | readonly number[];

/** Options of {@link OnnxGraphBuilder.addNode}. */
export interface OnnxNodeOptions {
  /** ONNX operator, e.g. `Conv`. */
  opType: string;
  /** Input value names (an empty string marks an omitted optional input). */
  inputs: readonly string[];
  /** Base name of the node and of its single output (made unique). */
  name: string;
  /** Attributes; integers unless their name is in `floats`. */
  attributes?: Record<string, OnnxAttributeValue>;
  /** Attribute names whose numbers are floats (e.g. `epsilon`, `alpha`). */
  floats?: readonly string[];
  /** Number of outputs. Default 1. */
  outputCount?: number;
  /** Exact name of the single output, reserved beforehand with {@link OnnxGraphBuilder.reserveName}. */
  output?: string;
}

/** A node as the protobuf writer takes it (camel-case field names of `NodeProto`). */
export interface OnnxNodeRecord {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: Array<Record<string, unknown>>;
}

/** An initializer as the protobuf writer takes it (`TensorProto`). */
export interface OnnxInitializerRecord {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/**
 * Collects the nodes and initializers of one ONNX graph, with unique names. Values are referred
 * to by name; the builder never reads tensors, so callers pass plain typed arrays (copied).
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNodeRecord[] = [];
  readonly initializers: OnnxInitializerRecord[] = [];
  private readonly usedNames = new Set<string>();

  /** `base`, or `base_1`, `base_2` … when taken; reserves the name it returns. */
  uniqueName(base: string): string {
    const clean = base.length > 0 ? base : 'value';
    let name = clean;
    for (let index = 1; this.usedNames.has(name); index++) name = `${clean}_${index}`;
    this.usedNames.add(name);
    return name;
  }

  /** Reserves `name` exactly (graph inputs and outputs); throws when it is taken. */
  reserveName(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`ONNX value name ${name} is used twice`);
    this.usedNames.add(name);
    return name;
  }

  /** Adds a float32 initializer (little-endian raw data) and returns its unique name. */
  addFloatTensor(name: string, values: Float32Array, dims: readonly number[]): string {
    checkSize(name, values.length, dims);
    const unique = this.uniqueName(name);
    this.initializers.push({
      name: unique,
      dims: [...dims],
      dataType: onnxDataType.float,
      rawData: littleEndianBytes(Float32Array.from(values)),
    });
    return unique;
  }

  /** Adds an int64 initializer (shapes, pads, axes) and returns its unique name. */
  addInt64Tensor(name: string, values: readonly number[], dims: readonly number[]): string {
    checkSize(name, values.length, dims);
    const unique = this.uniqueName(name);
    const array = BigInt64Array.from(values, (value) => BigInt(value));
    this.initializers.push({
      name: unique,
      dims: [...dims],
      dataType: onnxDataType.int64,
      rawData: littleEndianBytes(array),
    });
    return unique;
  }

  /** Adds a float32 scalar initializer. */
  addFloatScalar(name: string, value: number): string {
    return this.addFloatTensor(name, Float32Array.of(value), []);
  }

  /** Adds a node; returns its output names (one unless `outputCount` says more). */
  addNode(options: OnnxNodeOptions): string[] {
    const name = this.uniqueName(options.name);
    const count = options.outputCount ?? 1;
    const outputs =
      options.output !== undefined
        ? [options.output]
        : count === 1
          ? [name]
          : Array.from({ length: count }, (_, index) => this.uniqueName(`${name}_${index}`));
    const floats = new Set(options.floats ?? []);
    const attribute = Object.entries(options.attributes ?? {}).map(([key, value]) =>
      attributeRecord(key, value, floats.has(key)),
    );
    this.nodes.push({
      name,
      opType: options.opType,
      input: [...options.inputs],
      output: outputs,
      attribute,
    });
    return outputs;
  }

  /** Adds a one-output node and returns that output's name. */
  add(options: Omit<OnnxNodeOptions, 'outputCount'>): string {
    return this.addNode(options)[0] as string;
  }
}

function attributeRecord(
  name: string,
  value: OnnxAttributeValue,
  isFloat: boolean,
): Record<string, unknown> {
  if (typeof value === 'string') {
    return { name, type: onnxAttributeType.string, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    if (isFloat) return { name, type: onnxAttributeType.float, f: value };
    checkInteger(name, value);
    return { name, type: onnxAttributeType.int, i: value };
  }
  if (isFloat) return { name, type: onnxAttributeType.floats, floats: [...value] };
  for (const item of value) checkInteger(name, item);
  return { name, type: onnxAttributeType.ints, ints: [...value] };
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`ONNX attribute ${name} must be an integer (or listed as float), got ${value}`);
  }
}

function checkSize(name: string, length: number, dims: readonly number[]): void {
  const size = dims.reduce((product, dim) => product * dim, 1);
  if (size !== length) {
    throw new Error(`ONNX tensor ${name}: ${length} values for dims [${dims.join(', ')}]`);
  }
}

/** Raw little-endian bytes of a typed array (ONNX `raw_data` is little-endian on every host). */
function littleEndianBytes(array: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (isLittleEndian) return bytes;
  const width = array.BYTES_PER_ELEMENT;
  const swapped = new Uint8Array(bytes.length);
  for (let offset = 0; offset < bytes.length; offset += width) {
    for (let byte = 0; byte < width; byte++) {
      swapped[offset + byte] = bytes[offset + width - 1 - byte] as number;
    }
  }
  return swapped;
}

const isLittleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
