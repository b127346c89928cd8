import * as tf from '@tensorflow/tfjs-core';

/** What backend the run uses and why. */
export interface SelectedBackend {
  name: string;
  detail: string;
}

/** Picks the tfjs backend for this process (once). */
export async function selectBackend(): Promise<SelectedBackend> {
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  return { name: tf.getBackend(), detail: 'wasm (interim: @graft/runtime not wired yet)' };
}
