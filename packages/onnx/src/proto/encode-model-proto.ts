/**
 * The `ModelProto` fields the converter writes, named as protobufjs names them (camel case), so
 * the same object also goes through `ModelProto.fromObject`.
 */
export interface ModelProtoRecord {
  /** `ir_version` (1). */
  irVersion: number;
  /** `opset_import` (8). */
  opsetImport: ReadonlyArray<{ domain: string; version: number }>;
  /** `producer_name` (2). */
  producerName: string;
  /** `producer_version` (3). */
  producerVersion: string;
  /** `doc_string` (6). */
  docString: string;
  /** `metadata_props` (14). */
  metadataProps: ReadonlyArray<{ key: string; value: string }>;
  /** `graph` (7). */
  graph: GraphProtoRecord;
}

/** `GraphProto` fields the converter writes. */
export interface GraphProtoRecord {
  /** `name` (2). */
  name: string;
  /** `node` (1). */
  node: readonly NodeProtoRecord[];
  /** `initializer` (5). */
  initializer: readonly TensorProtoRecord[];
  /** `input` (11). */
  input: readonly ValueInfoProtoRecord[];
  /** `output` (12). */
  output: readonly ValueInfoProtoRecord[];
}

/** `NodeProto` fields the converter writes. */
export interface NodeProtoRecord {
  /** `input` (1); an empty string marks an omitted optional input. */
  input: readonly string[];
  /** `output` (2). */
  output: readonly string[];
  /** `name` (3). */
  name: string;
  /** `op_type` (4). */
  opType: string;
  /** `attribute` (5). */
  attribute: readonly AttributeProtoRecord[];
}

/** `AttributeProto` fields the converter writes: `name`, `type` and one value field. */
export interface AttributeProtoRecord {
  /** `name` (1). */
  name: string;
  /** `type` (20), an `AttributeType`. */
  type: number;
  /** `f` (2). */
  f?: number;
  /** `i` (3). */
  i?: number;
  /** `s` (4). */
  s?: Uint8Array;
  /** `floats` (7). */
  floats?: readonly number[];
  /** `ints` (8). */
  ints?: readonly number[];
}

/** `TensorProto` fields the converter writes. */
export interface TensorProtoRecord {
  /** `dims` (1). */
  dims: readonly number[];
  /** `data_type` (2). */
  dataType: number;
  /** `name` (8). */
  name: string;
  /** `raw_data` (9), little-endian. */
  rawData: Uint8Array;
}

/** `ValueInfoProto` with a tensor type, as the converter writes graph inputs and outputs. */
export interface ValueInfoProtoRecord {
  /** `name` (1). */
  name: string;
  /** `type` (2): `TypeProto.tensor_type` (1). */
  type: {
    tensorType: {
      /** `elem_type` (1). */
      elemType: number;
      /** `shape` (2): `dim` (1), each `dim_value` (1) or `dim_param` (2). */
      shape: { dim: ReadonlyArray<{ dimValue?: number; dimParam?: string }> };
    };
  };
}

/**
 * Serializes `model` to exactly the bytes protobufjs writes for `ModelProto.fromObject(model)`
 * (fields in field-number order, proto2 presence: every field given is written, repeated scalars
 * unpacked), in one buffer of the final size: the converter's graphs are megabytes of weights,
 * which protobufjs copies several times over (growing its buffer, shifting each length-prefixed
 * message, copying out) after generating its encoders on first use.
 */
export function encodeModelProto(model: ModelProtoRecord): Uint8Array {
  const sizer = new Sizer();
  writeModel(sizer, model);
  const writer = new Writer(sizer);
  writeModel(writer, model);
  return writer.finish();
}

const wire = { varint: 0, fixed32: 5, delimited: 2 } as const;

/**
 * What a message writer writes to. Written twice: first to a {@link Sizer}, which records the
 * length of every length-delimited message in order, then to a {@link Writer}, which needs them
 * before each message's bytes.
 */
interface Sink {
  varint(field: number, value: number): void;
  float(field: number, value: number): void;
  string(field: number, value: string): void;
  bytes(field: number, value: Uint8Array): void;
  message(field: number, write: () => void): void;
}

const encoder = new TextEncoder();

/** Byte length of `value` as a varint (int64 semantics: a negative value takes 10 bytes). */
function varintLength(value: number): number {
  if (value < 0) return 10;
  let length = 1;
  for (let rest = value; rest >= 128; rest = Math.floor(rest / 128)) length++;
  return length;
}

function utf8Length(value: string): number {
  let length = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < value.length) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        index++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

class Sizer implements Sink {
  /** Lengths of the length-delimited messages, in the order their writes start. */
  readonly sizes: number[] = [];
  private length = 0;

  varint(field: number, value: number): void {
    this.length += varintLength(field << 3) + varintLength(value);
  }

  float(field: number): void {
    this.length += varintLength(field << 3) + 4;
  }

  string(field: number, value: string): void {
    const length = utf8Length(value);
    this.length += varintLength(field << 3) + varintLength(length) + length;
  }

  bytes(field: number, value: Uint8Array): void {
    this.length += varintLength(field << 3) + varintLength(value.length) + value.length;
  }

  message(field: number, write: () => void): void {
    const slot = this.sizes.length;
    this.sizes.push(0);
    const outer = this.length;
    this.length = 0;
    write();
    const inner = this.length;
    this.sizes[slot] = inner;
    this.length = outer + varintLength(field << 3) + varintLength(inner) + inner;
  }

  get total(): number {
    return this.length;
  }
}

class Writer implements Sink {
  private readonly sizes: readonly number[];
  private readonly buffer: Uint8Array;
  private readonly view: DataView;
  private position = 0;
  private nextSize = 0;

  /** `sizer`: the first pass over the same message. */
  constructor(sizer: Sizer) {
    this.sizes = sizer.sizes;
    this.buffer = new Uint8Array(sizer.total);
    this.view = new DataView(this.buffer.buffer);
  }

  varint(field: number, value: number): void {
    this.rawVarint(field << 3);
    this.rawVarint(value);
  }

  float(field: number, value: number): void {
    this.rawVarint((field << 3) | wire.fixed32);
    this.view.setFloat32(this.position, value, true);
    this.position += 4;
  }

  string(field: number, value: string): void {
    this.bytes(field, encoder.encode(value));
  }

  bytes(field: number, value: Uint8Array): void {
    this.rawVarint((field << 3) | wire.delimited);
    this.rawVarint(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
  }

  message(field: number, write: () => void): void {
    this.rawVarint((field << 3) | wire.delimited);
    this.rawVarint(this.sizes[this.nextSize++] as number);
    write();
  }

  finish(): Uint8Array {
    if (this.position !== this.buffer.length) {
      throw new Error(`ModelProto: wrote ${this.position} of ${this.buffer.length} bytes`);
    }
    return this.buffer;
  }

  private rawVarint(value: number): void {
    if (value >= 0 && value < 0x80000000) {
      let rest = value;
      while (rest > 127) {
        this.buffer[this.position++] = (rest & 127) | 128;
        rest >>>= 7;
      }
      this.buffer[this.position++] = rest;
      return;
    }
    // Large or negative (int64 two's complement, 10 bytes).
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest > 127n) {
      this.buffer[this.position++] = Number(rest & 127n) | 128;
      rest >>= 7n;
    }
    this.buffer[this.position++] = Number(rest);
  }
}

function writeModel(sink: Sink, model: ModelProtoRecord): void {
  sink.varint(1, model.irVersion);
  sink.string(2, model.producerName);
  sink.string(3, model.producerVersion);
  sink.string(6, model.docString);
  sink.message(7, () => writeGraph(sink, model.graph));
  for (const opset of model.opsetImport) {
    sink.message(8, () => {
      sink.string(1, opset.domain);
      sink.varint(2, opset.version);
    });
  }
  for (const entry of model.metadataProps) {
    sink.message(14, () => {
      sink.string(1, entry.key);
      sink.string(2, entry.value);
    });
  }
}

function writeGraph(sink: Sink, graph: GraphProtoRecord): void {
  for (const node of graph.node) sink.message(1, () => writeNode(sink, node));
  sink.string(2, graph.name);
  for (const tensor of graph.initializer) sink.message(5, () => writeTensor(sink, tensor));
  for (const value of graph.input) sink.message(11, () => writeValueInfo(sink, value));
  for (const value of graph.output) sink.message(12, () => writeValueInfo(sink, value));
}

function writeNode(sink: Sink, node: NodeProtoRecord): void {
  for (const input of node.input) sink.string(1, input);
  for (const output of node.output) sink.string(2, output);
  sink.string(3, node.name);
  sink.string(4, node.opType);
  for (const attribute of node.attribute) sink.message(5, () => writeAttribute(sink, attribute));
}

const attributeFields = new Set(['name', 'type', 'f', 'i', 's', 'floats', 'ints']);

function writeAttribute(sink: Sink, attribute: AttributeProtoRecord): void {
  for (const key of Object.keys(attribute)) {
    // Never silently drop a field protobufjs would have written.
    if (!attributeFields.has(key)) {
      throw new Error(`ModelProto: attribute ${attribute.name} has field ${key}, not written here`);
    }
  }
  sink.string(1, attribute.name);
  if (attribute.f !== undefined) sink.float(2, attribute.f);
  if (attribute.i !== undefined) sink.varint(3, attribute.i);
  if (attribute.s !== undefined) sink.bytes(4, attribute.s);
  for (const value of attribute.floats ?? []) sink.float(7, value);
  for (const value of attribute.ints ?? []) sink.varint(8, value);
  sink.varint(20, attribute.type);
}

function writeTensor(sink: Sink, tensor: TensorProtoRecord): void {
  for (const dim of tensor.dims) sink.varint(1, dim);
  sink.varint(2, tensor.dataType);
  sink.string(8, tensor.name);
  sink.bytes(9, tensor.rawData);
}

function writeValueInfo(sink: Sink, value: ValueInfoProtoRecord): void {
  sink.string(1, value.name);
  sink.message(2, () =>
    sink.message(1, () => {
      const { elemType, shape } = value.type.tensorType;
      sink.varint(1, elemType);
      sink.message(2, () => {
        for (const dim of shape.dim) {
          sink.message(1, () => {
            if (dim.dimValue !== undefined) sink.varint(1, dim.dimValue);
            if (dim.dimParam !== undefined) sink.string(2, dim.dimParam);
          });
        }
      });
    }),
  );
}
