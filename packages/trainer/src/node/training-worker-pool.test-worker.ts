// Worker module of training-worker-pool.test.ts (not a test file itself): builds, in each worker,
// the tiny backbone on cpu — with other initial weights than the test's (the pool must copy the
// main thread's in) — or a failing variant.
import '@tensorflow/tfjs-backend-cpu';
import type { Backbone, JsonValue } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** What the test asks each worker to build. */
export interface TrainingTestWorkerData {
  /**
   * `tiny`: core's tiny backbone (seed 11); `oom`: throws a wasm out-of-memory abort in its
   * forward pass; `failing`: throws `kernel exploded` in its forward pass; `exits`: the thread
   * exits (code 3) in its forward pass; `broken`: cannot build its backbone.
   */
  kind: 'tiny' | 'oom' | 'failing' | 'exits' | 'broken';
}

export async function createFeatureBackbone(data: JsonValue): Promise<Backbone> {
  const { kind } = data as unknown as TrainingTestWorkerData;
  if (kind === 'broken') throw new Error('no weights at /nowhere/model.json');
  await tf.setBackend('cpu');
  const backbone = tinyBackbone({ seed: 11 });
  if (kind === 'tiny') return backbone;
  const model = backbone.model;
  // Patched on the model itself, which the worker calls with `apply` when training.
  model.apply = (() => {
    if (kind === 'exits') process.exit(3);
    if (kind === 'oom') throw new Error('Aborted(OOM). Build with -sASSERTIONS for more info.');
    throw new Error('kernel exploded');
  }) as unknown as tfl.LayersModel['apply'];
  return backbone;
}
