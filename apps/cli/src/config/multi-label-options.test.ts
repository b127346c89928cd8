import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { multiLabelSourceOf } from '../pipeline/load-multi-label-data.js';
import { parseMultiLabelOptions, parseThreshold } from './multi-label-options.js';

describe('multi-label options', () => {
  it('parses the flags with their defaults and rejects bad values naming the flag', () => {
    expect(parseMultiLabelOptions({})).toEqual({
      labels: undefined,
      labelDelimiter: ' ',
      threshold: 0.5,
    });
    expect(
      parseMultiLabelOptions({ labels: 'tags.csv', labelDelimiter: '|', threshold: '0.3' }),
    ).toEqual({ labels: resolve('tags.csv'), labelDelimiter: '|', threshold: 0.3 });
    expect(parseThreshold(0.25)).toBe(0.25);
    for (const bad of ['0', '1', '-0.1', 'half', '']) {
      expect(() => parseThreshold(bad), bad).toThrow(/--threshold.*must be a number in \(0, 1\)/);
    }
    expect(() => parseMultiLabelOptions({ labelDelimiter: '' })).toThrow(/--label-delimiter/);
  });

  it('finds where the labels are, and refuses a head that does not fit the data', () => {
    const base = { labels: undefined, labelDelimiter: ' ' };
    expect(multiLabelSourceOf({ ...base, data: 'photos', head: 'linear' })).toBeUndefined();
    expect(multiLabelSourceOf({ ...base, data: '/d/labels.csv', head: 'multi-label' })).toEqual({
      kind: 'csv',
      csv: '/d/labels.csv',
      imagesRoot: '/d',
      labelDelimiter: ' ',
    });
    expect(
      multiLabelSourceOf({
        ...base,
        data: '/photos',
        labels: '/t/tags.csv',
        head: 'multi-label:dropout=0.2',
      }),
    ).toMatchObject({ kind: 'csv', csv: '/t/tags.csv', imagesRoot: '/photos' });
    expect(multiLabelSourceOf({ ...base, data: '/photos', head: 'multi-label' })).toEqual({
      kind: 'folder',
      root: '/photos',
    });
    expect(() => multiLabelSourceOf({ ...base, data: '/d/labels.csv', head: 'mlp' })).toThrow(
      /--head.*must be multi-label.*<data> \/d\/labels\.csv.*--head multi-label/,
    );
    expect(() => multiLabelSourceOf({ ...base, data: 'cifar10', head: 'multi-label' })).toThrow(
      /--head.*cifar10 has one label per image.*--head linear.*--labels <csv>/,
    );
    expect(() =>
      multiLabelSourceOf({
        ...base,
        data: '/photos',
        head: 'multi-label',
        splitManifest: '/r/split-manifest.json',
      }),
    ).toThrow(/--split-manifest.*not supported with --head multi-label/);
  });
});
