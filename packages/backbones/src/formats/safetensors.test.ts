import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from './safetensors.js';
import { encodeSafetensors } from './safetensors-encode.js';
import { readSafetensorsFile } from './safetensors-node.js';

const fixtures = join(process.env.GRAFT_SHARED_DIR ?? '', 'fixtures', 'resnet');

function headerOf(json: string, data: Uint8Array = new Uint8Array()): Uint8Array {
  const header = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + header.byteLength + data.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  bytes.set(header, 8);
  bytes.set(data, 8 + header.byteLength);
  return bytes;
}

function problemOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(FileFormatError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a FileFormatError');
}

describe('parseSafetensors', () => {
  it('round-trips F32, F16, BF16 and I64 with metadata', () => {
    const values = [0, 1, -2.5, 0.1, 65504, -1e-7, 3.140625];
    const bytes = encodeSafetensors({
      metadata: { format: 'pt' },
      tensors: {
        a: { dtype: 'F32', shape: [7], values },
        b: { dtype: 'F16', shape: [7, 1], values },
        c: { dtype: 'BF16', shape: [1, 7], values },
        n: { dtype: 'I64', shape: [], values: [1] },
      },
    });
    const file = parseSafetensors({ bytes, file: 'x.safetensors' });
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.entries.keys()]).toEqual(['a', 'b', 'c', 'n']);
    expect([...file.read('a').values]).toEqual(values.map(Math.fround));
    const half = file.read('b');
    expect(half.shape).toEqual([7, 1]);
    expect(half.dtype).toBe('float32');
    // F16 keeps ~3 decimal digits; exactly representable values stay exact.
    half.values.forEach((value, index) => {
      expect(value).toBeCloseTo(values[index] as number, 3);
    });
    expect(half.values[4]).toBe(65504);
    expect(half.values[6]).toBe(3.140625);
    const brain = file.read('c');
    brain.values.forEach((value, index) => {
      const expected = values[index] as number;
      expect(Math.abs(value - expected)).toBeLessThanOrEqual(Math.abs(expected) / 128);
    });
    expect(file.read('n')).toMatchObject({ dtype: 'int32', shape: [], storedDtype: 'I64' });
    expect([...file.read('n').values]).toEqual([1]);
  });

  it('decodes float16 specials, subnormals and reads unaligned data sections', () => {
    // bits: +0, -0, smallest subnormal, largest subnormal, 1.0, -inf, NaN
    const bits = [0x0000, 0x8000, 0x0001, 0x03ff, 0x3c00, 0xfc00, 0x7e00];
    const data = new Uint8Array(bits.length * 2 + 8);
    const view = new DataView(data.buffer);
    for (const [index, value] of bits.entries()) view.setUint16(index * 2, value, true);
    view.setFloat32(14, 1.5, true);
    view.setFloat32(18, -0.25, true);
    // An odd header length leaves the data section (and the F32 tensor) unaligned.
    const json = JSON.stringify({
      h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] },
      f: { dtype: 'F32', shape: [2], data_offsets: [14, 22] },
    });
    const padded = json.length % 2 === 1 ? json : `${json} `;
    const file = parseSafetensors({ bytes: headerOf(padded, data) });
    expect([...file.read('f').values]).toEqual([1.5, -0.25]);
    const values = file.read('h').values;
    expect(Object.is(values[0], 0)).toBe(true);
    expect(Object.is(values[1], -0)).toBe(true);
    expect(values[2]).toBe(2 ** -24);
    expect(values[3]).toBe(1023 * 2 ** -24);
    expect(values[4]).toBe(1);
    expect(values[5]).toBe(-Infinity);
    expect(Number.isNaN(values[6])).toBe(true);
  });

  it('names the file and the problem for bad headers and truncated files', () => {
    const file = 'w.safetensors';
    expect(problemOf(() => parseSafetensors({ bytes: new Uint8Array(3), file }))).toContain(
      'w.safetensors: not a safetensors file',
    );
    const bytes = headerOf(
      JSON.stringify({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }),
      new Uint8Array(8),
    );
    expect(problemOf(() => parseSafetensors({ bytes: bytes.subarray(0, 20), file }))).toMatch(
      /^w\.safetensors: truncated: the header needs \d+ bytes but the file has 20$/,
    );
    expect(
      problemOf(() => parseSafetensors({ bytes: bytes.subarray(0, bytes.length - 1), file })),
    ).toContain('truncated: tensor "t" ends at data byte 8 but the data section has 7 bytes');
    expect(problemOf(() => parseSafetensors({ bytes: headerOf('{"t": [1, 2'), file }))).toContain(
      'not valid UTF-8 JSON',
    );
    expect(problemOf(() => parseSafetensors({ bytes: headerOf('[1]'), file }))).toContain(
      'not a JSON object',
    );
    const wrongSize = headerOf(
      JSON.stringify({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }),
      new Uint8Array(12),
    );
    expect(problemOf(() => parseSafetensors({ bytes: wrongSize, file }))).toContain(
      'data_offsets [0, 8] do not hold 12 bytes of F32 [3]',
    );
    const unknownType = headerOf(
      JSON.stringify({ t: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }),
      new Uint8Array(1),
    );
    expect(problemOf(() => parseSafetensors({ bytes: unknownType, file }))).toContain(
      'has dtype "F8_E4M3"; supported: F64, F32, F16, BF16',
    );
    const overlapping = headerOf(
      JSON.stringify({
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      }),
      new Uint8Array(8),
    );
    expect(problemOf(() => parseSafetensors({ bytes: overlapping, file }))).toContain('overlap');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(problemOf(() => parseSafetensors({ bytes: huge, file }))).toContain('exceeds');
    expect(problemOf(() => parseSafetensors({ bytes, file }).read('missing'))).toContain(
      'no tensor named "missing"',
    );
  });

  it('reads the torchvision ResNet18 fixture (F16 weights, I64 counters)', async () => {
    const file = await readSafetensorsFile(join(fixtures, 'resnet18.safetensors'));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.entries.size).toBe(122);
    const conv = file.read('conv1.weight');
    expect(conv.storedDtype).toBe('F16');
    expect(conv.shape).toEqual([64, 3, 7, 7]);
    expect(conv.values).toBeInstanceOf(Float32Array);
    expect(conv.values.some((value) => value !== 0)).toBe(true);
    expect(file.read('bn1.num_batches_tracked')).toMatchObject({
      dtype: 'int32',
      storedDtype: 'I64',
    });
    let parameters = 0;
    for (const entry of file.entries.values()) {
      if (!entry.name.endsWith('num_batches_tracked') && !entry.name.includes('running_'))
        parameters += entry.shape.reduce((product, size) => product * size, 1);
    }
    expect(parameters).toBe(11_689_512);
  });

  it('reports a missing file as not found and names it', async () => {
    await expect(readSafetensorsFile(join(fixtures, 'nope.safetensors'))).rejects.toThrow(
      /Could not find nope\.safetensors/,
    );
  });
});
