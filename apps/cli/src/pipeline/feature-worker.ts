// Worker module of the feature-extraction pool (`--extraction-workers`) and of the training
// pool (`--training-workers`, which copies the main thread's weights in before every step): each
// worker thread initialises the same tfjs backend as the main process and builds the same
// backbone from the same spec (registered name or model file, weights file, feature layer).
// Built as its own file (dist/feature-worker.js, see tsup.config.ts): workers load it by URL.
import type { Backbone, JsonValue } from '@graft/core';
import { initBackend } from '@graft/runtime';
import { registerTestBackboneIfAsked } from '../testing/test-backbone.js';
import { createTrainingBackbone, type TrainingBackboneSpec } from './training-backbone.js';

/** What the main process sends each worker (JSON). */
export interface FeatureWorkerSpec {
  /** The backend the main process chose, e.g. `wasm`. */
  backend: string;
  /** The backbone the main process built. */
  backbone: TrainingBackboneSpec;
}

/** Called by `@graft/trainer/node`'s worker thread to build its backbone. */
export async function createFeatureBackbone(data: JsonValue): Promise<Backbone> {
  const spec = data as unknown as FeatureWorkerSpec;
  // Weights resolve through the same GRAFT_MIRROR / cache environment as the main thread.
  await initBackend({ prefer: spec.backend });
  // Each thread has its own registry: the test-only backbone is registered here too.
  await registerTestBackboneIfAsked();
  return createTrainingBackbone(spec.backbone);
}
