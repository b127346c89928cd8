import { describe, expect, it } from 'vitest';
import { estimateRunBytes } from './estimate-run-bytes.js';

describe('estimateRunBytes', () => {
  const allowance = 16 * 1024 * 1024;

  it('counts the model, and two checkpoints of weights and Adam moments when fine-tuning', () => {
    expect(estimateRunBytes({ parameterCount: 1_000_000, mode: 'fine-tune' })).toBe(
      4_000_000 + 2 * 12_000_000 + allowance,
    );
  });

  it('counts only the model in feature extraction (checkpoints hold the head)', () => {
    expect(estimateRunBytes({ parameterCount: 1_000_000, mode: 'feature-extraction' })).toBe(
      4_000_000 + allowance,
    );
  });

  it('falls back to the allowance when the parameter count is unknown', () => {
    expect(estimateRunBytes({ parameterCount: undefined, mode: 'fine-tune' })).toBe(allowance);
  });
});
