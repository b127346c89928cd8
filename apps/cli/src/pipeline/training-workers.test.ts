import { describe, expect, it } from 'vitest';
import {
  parseTrainingWorkers,
  resolveTrainingWorkers,
  startTrainingWorkersFor,
} from './training-workers.js';

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

  it('starts no replicas for a loss the trainer computes in this thread, and says which flags', () => {
    const notices: string[] = [];
    const start = (config: { loss?: string; classWeight?: string; labelSmoothing?: number }) =>
      startTrainingWorkersFor(
        {
          config: { mode: 'fine-tune', ...config },
          output: { info: (message: string) => notices.push(message) },
          trainingWorkers: 2,
        },
        'wasm',
        { backbone: 'test_tiny_16', weights: 'none', seed: 0 },
      );
    expect(start({ loss: 'focal:gamma=2' })).toBeUndefined();
    expect(start({ classWeight: 'balanced', labelSmoothing: 0.1 })).toBeUndefined();
    expect(notices).toEqual([
      'training workers not started: --loss trains in this thread',
      'training workers not started: --class-weight, --label-smoothing train in this thread',
    ]);
  });
});
