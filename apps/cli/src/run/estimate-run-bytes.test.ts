import { describe, expect, it } from 'vitest';
import { estimateRunBytes } from './estimate-run-bytes.js';

describe('estimateRunBytes', () => {
  const allowance = 16 * 1024 * 1024;

  it('counts the model, and the kept checkpoints of weights and Adam moments plus the one being written when fine-tuning', () => {
    expect(
      estimateRunBytes({ parameterCount: 1_000_000, mode: 'fine-tune', checkpointsKept: 2 }),
    ).toBe(4_000_000 + 3 * 12_000_000 + allowance);
    expect(
      estimateRunBytes({ parameterCount: 1_000_000, mode: 'fine-tune', checkpointsKept: 5 }),
    ).toBe(4_000_000 + 6 * 12_000_000 + allowance);
  });

  it('counts only the model in feature extraction (checkpoints hold the head)', () => {
    expect(
      estimateRunBytes({
        parameterCount: 1_000_000,
        mode: 'feature-extraction',
        checkpointsKept: 2,
      }),
    ).toBe(4_000_000 + allowance);
  });

  it('falls back to the allowance when the parameter count is unknown', () => {
    expect(
      estimateRunBytes({ parameterCount: undefined, mode: 'fine-tune', checkpointsKept: 2 }),
    ).toBe(allowance);
  });
});
