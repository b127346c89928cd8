// Worker module of the feature-extraction pool (`--extraction-workers`): each worker thread
// initialises the same tfjs backend as the main process and builds the same backbone, by name.
// Built as its own file (dist/feature-worker.js, see tsup.config.ts): workers load it by URL.
import { createBackbone } from '@graft/backbones';
import type { Backbone, CreateBackboneOptions, JsonValue } from '@graft/core';
import { initBackend } from '@graft/runtime';
import { registerTestBackboneIfAsked } from '../testing/test-backbone.js';

/** What the main process sends each worker (JSON). */
export interface FeatureWorkerSpec {
  /** The backend the main process chose, e.g. `wasm`. */
  backend: string;
  /** Registered backbone name. */
  backbone: string;
  /** The `createBackbone` options the main process used (weights path, resize policy, seed…). */
  options: CreateBackboneOptions & Record<string, unknown>;
}

/** Called by `@graft/trainer/node`'s worker thread to build its backbone. */
export async function createFeatureBackbone(data: JsonValue): Promise<Backbone> {
  const spec = data as unknown as FeatureWorkerSpec;
  // Weights resolve through the same GRAFT_MIRROR / cache environment as the main thread.
  await initBackend({ prefer: spec.backend });
  // Each thread has its own registry: the test-only backbone is registered here too.
  await registerTestBackboneIfAsked();
  return createBackbone(spec.backbone, spec.options);
}
