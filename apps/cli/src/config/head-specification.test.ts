import { describe, expect, it } from 'vitest';
import { parseHeadSpecification } from './head-specification.js';

describe('parseHeadSpecification', () => {
  it('reads mlp:units=n as one hidden Dense layer of n units', () => {
    expect(parseHeadSpecification('mlp:units=1024').options).toEqual({ hiddenUnits: [1024] });
    expect(parseHeadSpecification('mlp:units=64,dropout=0').options).toEqual({
      hiddenUnits: [64],
      dropout: 0,
    });
    // What config.json records: the text as given.
    expect(parseHeadSpecification(' mlp:units=1024 ').text).toBe('mlp:units=1024');
  });

  it('names --head and the value for a bad units or one combined with hiddenUnits', () => {
    expect(() => parseHeadSpecification('mlp:units=0')).toThrow(/--head.*positive integer/);
    expect(() => parseHeadSpecification('mlp:units=[8]')).toThrow(/--head.*units=\[8\]/);
    expect(() => parseHeadSpecification('mlp:units=8,hiddenUnits=[8]')).toThrow(
      /--head.*cannot be combined with hiddenUnits/,
    );
  });
});
