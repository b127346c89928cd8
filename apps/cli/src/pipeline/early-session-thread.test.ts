import { describe, expect, it } from 'vitest';
import { startEarlySessionThread } from './early-session-thread.js';
import type { RunTrainingOptions } from './run-training-options.js';

const configOf = (fields: Partial<RunTrainingOptions['config']>) =>
  ({
    mode: 'feature-extraction',
    freezeEpochs: 0,
    frozenPrefixCache: 'auto',
    ...fields,
  }) as RunTrainingOptions['config'];

describe('startEarlySessionThread', () => {
  it('starts one for frozen features on auto or onnx, none for tfjs or fine-tuning', async () => {
    for (const engine of [undefined, 'auto', 'onnx'] as const) {
      const started = startEarlySessionThread({ config: configOf({}), engine });
      expect(started).toBeDefined();
      await started?.close();
    }
    // A staged unfreeze without the frozen-prefix cache extracts frozen features first.
    const staged = startEarlySessionThread({
      config: configOf({ mode: 'fine-tune', freezeEpochs: 2, frozenPrefixCache: 'off' }),
    });
    expect(staged).toBeDefined();
    await staged?.close();
    expect(startEarlySessionThread({ config: configOf({}), engine: 'tfjs' })).toBeUndefined();
    expect(startEarlySessionThread({ config: configOf({ mode: 'fine-tune' }) })).toBeUndefined();
  });
});
