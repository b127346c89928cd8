import { OutOfMemoryError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { toTrainingOutOfMemoryError } from './training-out-of-memory.js';

describe('toTrainingOutOfMemoryError', () => {
  it("turns ONNX Runtime's allocation failure into an out-of-memory error naming a smaller micro-batch", () => {
    const failure = new Error(
      '[ErrorCode:RuntimeException] Failed to allocate memory for requested buffer of size 822083584',
    );
    const error = toTrainingOutOfMemoryError(failure, [8, 224, 224, 3]);
    expect(OutOfMemoryError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /onnxruntime backend ran out of memory during a fine-tuning pass of 8 images at 224x224\. Use a smaller micro-batch \(--micro-batch 4/,
    );
    expect((error as Error).cause).toBe(failure);
  });

  it('leaves other errors alone', () => {
    const failure = new Error('no training graphs are open under k');
    expect(toTrainingOutOfMemoryError(failure, [8, 224, 224, 3])).toBe(failure);
  });
});
