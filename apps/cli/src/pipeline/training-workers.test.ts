import { describe, expect, it } from 'vitest';
import { parseTrainingWorkers, resolveTrainingWorkers } from './training-workers.js';

describe('--training-workers', () => {
  it('parses auto or a positive count', () => {
    expect(parseTrainingWorkers(undefined)).toBe('auto');
    expect(parseTrainingWorkers('auto')).toBe('auto');
    expect(parseTrainingWorkers('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      expect(() => parseTrainingWorkers(bad)).toThrow(/--training-workers.*auto or an integer/);
    }
  });

  it('auto uses every CPU when fine-tuning on a backend that runs one thread per instance', () => {
    const resolve = (
      backend: string,
      mode: 'feature-extraction' | 'fine-tune',
      hasLossTerms = false,
    ) => resolveTrainingWorkers({ requested: 'auto', backend, mode, hasLossTerms, cpus: 4 });
    expect(resolve('wasm', 'fine-tune')).toBe(4);
    expect(resolve('cpu', 'fine-tune')).toBe(4);
    expect(resolve('tfjs-node', 'fine-tune')).toBe(1);
    expect(resolve('wasm', 'feature-extraction')).toBe(1);
    // Distillation and CORAL terms are computed in the main thread.
    expect(resolve('wasm', 'fine-tune', true)).toBe(1);
    expect(
      resolveTrainingWorkers({
        requested: 2,
        backend: 'tfjs-node',
        mode: 'fine-tune',
        hasLossTerms: false,
      }),
    ).toBe(2);
  });
});
