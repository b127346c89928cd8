import * as tf from '@tensorflow/tfjs-core';

interface TapeState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

/**
 * Frees what the gradient tape kept for a backward pass that will not run, after a
 * `tf.variableGrads` that threw (e.g. out of memory mid-forward). tfjs-core 4.22 keeps a copy of
 * each op's inputs and outputs on the tape and frees them only after a successful backward pass,
 * so a failed micro-batch would otherwise leave its activations on the heap (2 GiB for
 * MobileNetV2 1.0 at micro-batch 8) and a retry at a smaller one would fail too. Does nothing
 * while a tape is recording (inside another gradient computation). Returns the tensors freed.
 */
export function releaseGradientTape(): number {
  const state = (tf.engine() as unknown as { state: TapeState }).state;
  if (state.gradientDepth > 0 || state.activeTape === null) return 0;
  let freed = 0;
  for (const node of state.activeTape) {
    for (const tensor of node.saved ?? []) {
      if (!tensor.isDisposed) {
        tensor.dispose();
        freed++;
      }
    }
  }
  state.activeTape = null;
  return freed;
}
