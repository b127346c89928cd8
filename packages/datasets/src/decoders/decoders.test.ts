import { FileFormatError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { encodeBmp, encodeNetpbm, testPixels } from '../testing/encode-test-images.js';
import { decodeBmp } from './decode-bmp.js';
import { decodeNetpbm } from './decode-netpbm.js';
import { defaultMaximumPixels } from './pixel-limit.js';

describe('decodeNetpbm', () => {
  const rgb = [...testPixels(3, 2)];
  const gray = [0, 50, 100, 150, 200, 255];

  it('reads P6 and P3 RGB exactly, with comments in the header', () => {
    for (const kind of ['P3', 'P6'] as const) {
      const image = decodeNetpbm(
        encodeNetpbm({
          kind,
          width: 3,
          height: 2,
          maxValue: 255,
          samples: rgb,
          comment: 'made by a test',
        }),
        `x.${kind}`,
      );
      expect(image.width).toBe(3);
      expect(image.height).toBe(2);
      expect([...image.data]).toEqual(rgb);
    }
  });

  it('reads P5 and P2 gray as RGB', () => {
    for (const kind of ['P2', 'P5'] as const) {
      const image = decodeNetpbm(
        encodeNetpbm({ kind, width: 2, height: 3, maxValue: 255, samples: gray }),
        'x.pgm',
      );
      expect([...image.data]).toEqual(gray.flatMap((value) => [value, value, value]));
    }
  });

  it('rescales 16-bit and small maxval samples to 8 bits', () => {
    const samples16 = [0, 65535, 257 * 100, 1000, 30000, 65000];
    const p5 = decodeNetpbm(
      encodeNetpbm({ kind: 'P5', width: 3, height: 2, maxValue: 65535, samples: samples16 }),
      'x.pgm',
    );
    expect([...p5.data].filter((_, index) => index % 3 === 0)).toEqual(
      samples16.map((value) => Math.round((value * 255) / 65535)),
    );
    const p6 = decodeNetpbm(
      encodeNetpbm({ kind: 'P6', width: 1, height: 1, maxValue: 1023, samples: [0, 1023, 512] }),
      'x.ppm',
    );
    expect([...p6.data]).toEqual([0, 255, Math.round((512 * 255) / 1023)]);
  });

  it('names the file of a truncated or malformed image', () => {
    const full = encodeNetpbm({ kind: 'P6', width: 3, height: 2, maxValue: 255, samples: rgb });
    expect(() => decodeNetpbm(full.subarray(0, full.length - 4), 'cut.ppm')).toThrow(
      /cut\.ppm: truncated netpbm P6/,
    );
    const ascii = new TextEncoder().encode('P3\n2 2\n255\n1 2 3 4 5\n');
    expect(() => decodeNetpbm(ascii, 'short.ppm')).toThrow(FileFormatError);
    expect(() => decodeNetpbm(new TextEncoder().encode('P6\nx'), 'bad.ppm')).toThrow(
      /bad\.ppm.*width/,
    );
    expect(() => decodeNetpbm(new TextEncoder().encode('P2\n1 1\n10\n11\n'), 'over.pgm')).toThrow(
      /exceeds maxval 10/,
    );
  });
});

describe('decodeBmp', () => {
  it('reads 24-bit and 32-bit, bottom-up and top-down, exactly', () => {
    const width = 5; // odd width exercises row padding
    const height = 3;
    const rgb = testPixels(width, height);
    for (const bitsPerPixel of [24, 32] as const) {
      for (const topDown of [false, true]) {
        const image = decodeBmp(encodeBmp({ width, height, rgb, bitsPerPixel, topDown }), 'x.bmp');
        expect(image.width).toBe(width);
        expect(image.height).toBe(height);
        expect([...image.data]).toEqual([...rgb]);
      }
    }
  });

  it('reads an 8-bit palette image', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0, 9, 9, 9, 0, 0, 255]);
    const image = decodeBmp(encodeBmp({ width: 3, height: 2, rgb, bitsPerPixel: 8 }), 'p.bmp');
    expect([...image.data]).toEqual([...rgb]);
  });

  it('rejects truncated data and RLE compression, naming the file', () => {
    const bytes = encodeBmp({ width: 4, height: 4, rgb: testPixels(4, 4), bitsPerPixel: 24 });
    expect(() => decodeBmp(bytes.subarray(0, bytes.length - 20), 'cut.bmp')).toThrow(
      /cut\.bmp: BMP: truncated pixel data/,
    );
    const rle = bytes.slice();
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle, 'rle.bmp')).toThrow(/rle\.bmp: BMP: compression 1/);
    expect(() => decodeBmp(new Uint8Array([1, 2, 3]), 'no.bmp')).toThrow(FileFormatError);
  });
});

describe('declared sizes (decompression bombs)', () => {
  // Tiny files whose headers claim 100000x100000: refused from the header, never allocated.
  const hugeBmp = (): Uint8Array => {
    const bytes = encodeBmp({ width: 1, height: 1, rgb: new Uint8Array(3), bitsPerPixel: 24 });
    const view = new DataView(bytes.buffer);
    view.setInt32(18, 100000, true);
    view.setInt32(22, 100000, true);
    return bytes;
  };
  const hugeNetpbm = (kind: string): Uint8Array =>
    new TextEncoder().encode(`${kind}\n100000 100000\n255\n1 2 3\n`);

  it('refuses a BMP and P2/P3/P5/P6 whose header exceeds the pixel cap, naming file, size and cap', () => {
    const cap = new RegExp(
      `declared size 100000x100000 \\(10000000000 pixels\\) exceeds the limit of ${defaultMaximumPixels} pixels`,
    );
    expect(() => decodeBmp(hugeBmp(), 'huge.bmp')).toThrow(FileFormatError);
    expect(() => decodeBmp(hugeBmp(), 'huge.bmp')).toThrow(/^huge\.bmp: /);
    expect(() => decodeBmp(hugeBmp(), 'huge.bmp')).toThrow(cap);
    for (const kind of ['P2', 'P3', 'P5', 'P6']) {
      expect(() => decodeNetpbm(hugeNetpbm(kind), `huge.${kind}`)).toThrow(FileFormatError);
      expect(() => decodeNetpbm(hugeNetpbm(kind), `huge.${kind}`)).toThrow(cap);
    }
  });

  it('checks the declared size against the bytes present before allocating', () => {
    // Under a raised cap, a header claiming 60000x60000 with a few bytes of samples is
    // truncated, found from the byte count (allocating first would throw a RangeError).
    for (const kind of ['P2', 'P3', 'P5', 'P6']) {
      const bytes = new TextEncoder().encode(`${kind}\n60000 60000\n65535\n1 2 3\n`);
      expect(() => decodeNetpbm(bytes, 'big.pnm', { maximumPixels: 2 ** 34 })).toThrow(
        /big\.pnm: truncated netpbm/,
      );
    }
  });

  it('takes the cap as an option, the same for every decoder', () => {
    const rgb = testPixels(3, 2);
    const ppm = encodeNetpbm({ kind: 'P6', width: 3, height: 2, maxValue: 255, samples: [...rgb] });
    const bmp = encodeBmp({ width: 3, height: 2, rgb, bitsPerPixel: 24 });
    expect(decodeNetpbm(ppm, 'x.ppm', { maximumPixels: 6 }).width).toBe(3);
    expect(decodeBmp(bmp, 'x.bmp', { maximumPixels: 6 }).width).toBe(3);
    expect(() => decodeNetpbm(ppm, 'x.ppm', { maximumPixels: 5 })).toThrow(
      /x\.ppm: declared size 3x2 \(6 pixels\) exceeds the limit of 5 pixels/,
    );
    expect(() => decodeBmp(bmp, 'x.bmp', { maximumPixels: 5 })).toThrow(/limit of 5 pixels/);
    expect(() => decodeBmp(bmp, 'x.bmp', { maximumPixels: 0 })).toThrow(/maximumPixels/);
  });
});
