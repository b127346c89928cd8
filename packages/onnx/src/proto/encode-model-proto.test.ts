import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { encodeModelProto, type ModelProtoRecord } from './encode-model-proto.js';
import { onnxProtoText } from './onnx-proto-text.js';
import { onnxAttributeType, onnxDataType } from './onnx-schema.js';

const ModelProto = protobuf.parse(onnxProtoText).root.lookupType('onnx.ModelProto');

/** What protobufjs writes for the same record: the reference. */
function protobufjsBytes(record: ModelProtoRecord): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(record as never)).finish();
}

function record(): ModelProtoRecord {
  const weights = new Float32Array(300).map((_, index) => Math.sin(index) * 1e3);
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'graft',
    producerVersion: '1',
    docString: '',
    metadataProps: [
      { key: 'preprocessing', value: '{"inputRange":[-1,1]}' },
      { key: 'label', value: 'abeilles é 🐝' },
    ],
    graph: {
      name: 'small',
      node: [
        {
          input: ['pixels', 'w', ''],
          output: ['conv'],
          name: 'conv',
          opType: 'Conv',
          attribute: [
            { name: 'kernel_shape', type: onnxAttributeType.ints, ints: [3, 3] },
            { name: 'pads', type: onnxAttributeType.ints, ints: [0, 1, 2 ** 40, 1] },
            { name: 'group', type: onnxAttributeType.int, i: 1 },
          ],
        },
        {
          input: ['conv'],
          output: ['out_0', 'out_1'],
          name: 'n'.repeat(200),
          opType: 'Split',
          attribute: [
            { name: 'axis', type: onnxAttributeType.int, i: -1 },
            { name: 'epsilon', type: onnxAttributeType.float, f: 1e-3 },
            { name: 'zero', type: onnxAttributeType.float, f: 0 },
            { name: 'scales', type: onnxAttributeType.floats, floats: [0.5, -2, 1 / 3] },
            { name: 'mode', type: onnxAttributeType.string, s: new TextEncoder().encode('x') },
            { name: 'empty', type: onnxAttributeType.ints, ints: [] },
          ],
        },
      ],
      initializer: [
        {
          name: 'w',
          dims: [3, 10, 10],
          dataType: onnxDataType.float,
          rawData: new Uint8Array(weights.buffer),
        },
        { name: 'scalar', dims: [], dataType: onnxDataType.float, rawData: new Uint8Array(4) },
        { name: 'none', dims: [0], dataType: onnxDataType.int64, rawData: new Uint8Array(0) },
      ],
      input: [
        {
          name: 'pixels',
          type: {
            tensorType: {
              elemType: onnxDataType.float,
              shape: { dim: [{ dimParam: 'batch' }, { dimValue: 224 }, { dimValue: 3 }] },
            },
          },
        },
      ],
      output: [
        {
          name: 'out_0',
          type: { tensorType: { elemType: onnxDataType.float, shape: { dim: [] } } },
        },
      ],
    },
  };
}

describe('encodeModelProto', () => {
  it('writes the bytes protobufjs writes for the same message, byte for byte', () => {
    const expected = protobufjsBytes(record());
    const bytes = encodeModelProto(record());
    expect(bytes.byteLength).toBe(expected.byteLength);
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(expected))).toBe(0);
  });

  it('writes a message that grows past one-byte lengths at every level the same way', () => {
    const large = record();
    const big = new Uint8Array(70_000).map((_, index) => index % 251);
    large.graph.initializer = [
      { name: 'big', dims: [70_000], dataType: onnxDataType.float, rawData: big },
    ];
    expect(Buffer.compare(Buffer.from(encodeModelProto(large)), protobufjsBytes(large))).toBe(0);
  });

  it('refuses an attribute field it does not write instead of dropping it', () => {
    const odd = record();
    const node = odd.graph.node[0];
    if (node === undefined) throw new Error('no node');
    odd.graph.node = [{ ...node, attribute: [{ name: 't', type: 4, t: {} } as never] }];
    expect(() => encodeModelProto(odd)).toThrow(/attribute t has field t/);
  });
});
