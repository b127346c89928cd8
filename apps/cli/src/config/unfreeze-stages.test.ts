import { describe, expect, it } from 'vitest';
import { parseUnfreezeStages } from './unfreeze-stages.js';

describe('parseUnfreezeStages', () => {
  it('reads <epochs done>:<stage|all> items', () => {
    expect(parseUnfreezeStages('2:block_16, 4:block_13,6:all', 8)).toEqual([
      { epoch: 2, unfreezeFrom: 'block_16' },
      { epoch: 4, unfreezeFrom: 'block_13' },
      { epoch: 6 },
    ]);
  });

  it('names the flag and the rule on bad input', () => {
    expect(() => parseUnfreezeStages('block_16', 8)).toThrow(
      /--unfreeze-stages.*<epochs done>:<stage or all>/,
    );
    expect(() => parseUnfreezeStages('4:a,2:b', 8)).toThrow(/increase from above 0/);
    expect(() => parseUnfreezeStages('8:all', 8)).toThrow(/below --epochs \(8/);
    expect(() => parseUnfreezeStages('0:all', 8)).toThrow(/above 0/);
  });
});
