// Messages between createFeatureWorkerPool (main thread) and feature-worker-thread.ts.
import type { Backbone, JsonValue } from '@graft/core';

/**
 * What the app's worker module exports (as `createFeatureBackbone` or `default`): builds, in the
 * worker thread, the backbone the main thread runs — picking and initialising the tfjs backend
 * first, since each worker has its own tfjs instance and backend.
 */
export type FeatureBackboneFactory = (data: JsonValue) => Backbone | Promise<Backbone>;

/** `workerData` of each worker. */
export interface FeatureWorkerData {
  /** URL of the app's module exporting a {@link FeatureBackboneFactory}. */
  module: string;
  /** Passed to the factory. */
  data: JsonValue;
  /** 0-based worker number, for messages. */
  index: number;
}

/** Main thread → worker. */
export interface ToWorkerMessage {
  type: 'compute';
  id: number;
  pixels: Float32Array;
  shape: readonly [number, number, number, number];
}

/** Worker → main thread. */
export type FromWorkerMessage =
  | {
      type: 'ready';
      featureDim: number;
      weightsId: string;
      /** `backboneCacheIdentity` of the worker's backbone (content, not name). */
      cacheIdentity: string;
      backend: string;
      tensors: number;
    }
  | { type: 'features'; id: number; values: Float32Array; tensors: number }
  | {
      type: 'error';
      /** The batch that failed; absent when the backbone could not be built. */
      id?: number;
      name: string;
      message: string;
      stack?: string;
      outOfMemory: boolean;
      backend?: string;
    };
