import { InvalidArgumentError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import type { DuplicateCandidate } from './duplicate-report.js';
import { findDuplicates } from './find-duplicates.js';

const classNames = ['ants', 'bees'];
// Hashes: h0 and h1 differ in 2 bits, h2 is far from both, h3 is 12 bits from h0 and 14 from h1.
const h0 = '0123456789abcdef';
const h1 = '0123456789abcdec';
const h2 = 'fedcba9876543210';
const h3 = 'ffff456789abcdef';

function image(
  path: string,
  key: string,
  label: number,
  split?: 'train' | 'val',
): DuplicateCandidate {
  return split === undefined ? { path, key, label } : { path, key, label, split };
}

describe('findDuplicates', () => {
  it('groups exact copies and counts their pairs by kind', () => {
    const report = findDuplicates({
      classNames,
      images: [
        image('train/ants/a.jpg', 'k1', 0, 'train'),
        image('train/ants/a-copy.jpg', 'k1', 0, 'train'),
        image('train/bees/a-copy.jpg', 'k1', 1, 'train'),
        image('val/bees/a-copy.jpg', 'k1', 1, 'val'),
        image('train/bees/b.jpg', 'k2', 1, 'train'),
        image('train/bees/c.jpg', 'k3', 1, 'train'),
        image('val/bees/c.jpg', 'k3', 1, 'val'),
      ],
    });
    expect(report.exactGroups.map((group) => group.images.map((entry) => entry.path))).toEqual([
      ['train/ants/a.jpg', 'train/ants/a-copy.jpg', 'train/bees/a-copy.jpg', 'val/bees/a-copy.jpg'],
      ['train/bees/c.jpg', 'val/bees/c.jpg'],
    ]);
    expect(report.exactGroups[0]?.kinds).toEqual(['within-class', 'cross-class', 'cross-split']);
    expect(report.exactGroups[1]?.kinds).toEqual(['within-class', 'cross-split']);
    expect(report.exactGroups[0]?.images[2]?.className).toBe('bees');
    // Group of 4: 6 pairs; same class: (a, a-copy) + (bees, val bees) = 2; cross-split: 3. Group of 2: 1 + 1.
    expect(report.summary.exactPairs).toEqual({
      total: 7,
      'within-class': 3,
      'cross-class': 4,
      'cross-split': 4,
    });
    expect(report.summary.distinctContents).toBe(3);
    expect(report.nearPairs).toEqual([]);
    expect(report.hammingThreshold).toBeUndefined();
  });

  it('finds near pairs by hash and by features, merges them and classifies every image pair', () => {
    const images = [
      image('train/ants/x.jpg', 'x', 0, 'train'),
      image('train/ants/x-small.jpg', 'x-small', 0, 'train'),
      image('val/bees/x-small.jpg', 'x-small', 1, 'val'),
      image('train/bees/far.jpg', 'far', 1, 'train'),
      image('train/bees/y.jpg', 'y', 1, 'train'),
    ];
    const report = findDuplicates({
      classNames,
      images,
      perceptualHashes: new Map([
        ['x', h0],
        ['x-small', h1],
        ['far', h2],
        ['y', h3],
      ]),
      features: new Map([
        ['x', Float32Array.from([1, 0, 0])],
        ['x-small', Float32Array.from([0.99, 0.1, 0])],
        ['far', Float32Array.from([0, 1, 0])],
        ['y', Float32Array.from([0, 0.9, 0.1])],
      ]),
    });
    const listed = report.nearPairs.map((pair) => ({
      pair: `${pair.first.path} ~ ${pair.second.path}`,
      methods: pair.methods,
      distance: pair.hammingDistance,
      kinds: pair.kinds,
    }));
    expect(listed).toEqual([
      {
        pair: 'train/ants/x.jpg ~ train/ants/x-small.jpg',
        methods: ['perceptual-hash', 'features'],
        distance: 2,
        kinds: ['within-class'],
      },
      {
        pair: 'train/ants/x.jpg ~ val/bees/x-small.jpg',
        methods: ['perceptual-hash', 'features'],
        distance: 2,
        kinds: ['cross-class', 'cross-split'],
      },
      {
        pair: 'train/bees/far.jpg ~ train/bees/y.jpg',
        methods: ['features'],
        distance: undefined,
        kinds: ['within-class'],
      },
    ]);
    expect(report.nearPairs[0]?.cosineSimilarity).toBeCloseTo(0.99 / Math.hypot(0.99, 0.1), 6);
    expect(report.summary.nearPairs).toEqual({
      total: 3,
      'within-class': 2,
      'cross-class': 1,
      'cross-split': 1,
    });
    // x-small's two files are also an exact group (within no class: cross-class and cross-split).
    expect(report.exactGroups[0]?.kinds).toEqual(['cross-class', 'cross-split']);
    // h3 is 12 bits from h0 and 14 from h1: outside the default 10, inside 12.
    const wider = findDuplicates({
      classNames,
      images,
      perceptualHashes: new Map([
        ['x', h0],
        ['y', h3],
      ]),
      hammingThreshold: 12,
    });
    expect(
      wider.nearPairs.map((pair) => [pair.first.key, pair.second.key, pair.hammingDistance]),
    ).toEqual([['x', 'y', 12]]);
    expect(wider.summary.withoutHash).toBe(2);
    expect(wider.summary.withoutFeatures).toBe(4);
  });

  it('rejects thresholds out of range naming the field, the value and the range', () => {
    const images = [image('a', 'a', 0)];
    const attempt = (options: { hammingThreshold?: number; cosineThreshold?: number }) => () =>
      findDuplicates({ classNames, images, ...options });
    expect(attempt({ hammingThreshold: 40 })).toThrow(InvalidArgumentError);
    expect(attempt({ hammingThreshold: 40 })).toThrow(
      /Argument `hammingThreshold` must be a whole number of bits in \[0, 24\].*Received: hammingThreshold=40/,
    );
    expect(attempt({ hammingThreshold: 2.5 })).toThrow(/hammingThreshold=2\.5/);
    expect(attempt({ cosineThreshold: 0 })).toThrow(
      /Argument `cosineThreshold` must be a cosine similarity in \(0, 1\].*cosineThreshold=0/,
    );
    expect(attempt({ cosineThreshold: 1.5 })).toThrow(/cosineThreshold=1\.5/);
  });

  it('rejects bad labels, hashes and feature lengths naming them', () => {
    expect(() => findDuplicates({ classNames, images: [image('a', 'a', 2)] })).toThrow(
      /images\[0\]\.label/,
    );
    expect(() =>
      findDuplicates({
        classNames,
        images: [image('a', 'a', 0)],
        perceptualHashes: new Map([['a', 'xyz']]),
      }),
    ).toThrow(/perceptualHashes\[a\]/);
    expect(() =>
      findDuplicates({
        classNames,
        images: [image('a', 'a', 0), image('b', 'b', 0)],
        features: new Map([
          ['a', new Float32Array(3)],
          ['b', new Float32Array(4)],
        ]),
      }),
    ).toThrow(/features\[b\].*Float32Array\(4\)/);
  });
});
