import type { InferenceSession } from 'onnxruntime-node';

/** A float32 tensor crossing the thread boundary. */
export interface ThreadTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Where one weight lies in a {@link WeightSnapshot}'s buffer (float32 elements). */
export interface WeightSlot {
  /** Graph input name (the same in the forward and backward models). */
  name: string;
  offset: number;
  length: number;
  dims: readonly number[];
}

/**
 * The current weights of one pair of models, shared with the threads instead of copied per call:
 * each slot's values, and the version at which each slot last changed (a thread copies a slot
 * into its own memory only when that version is newer than its copy; ONNX Runtime does not take
 * shared memory as input).
 */
export interface WeightSnapshot {
  buffer: SharedArrayBuffer;
  versions: Uint32Array;
}

/** Messages to a training session thread. */
export type TrainingSessionRequest =
  | {
      type: 'open';
      id: number;
      /** Names the pair of models (one trainable set of one backbone). */
      key: string;
      forward: Uint8Array;
      backward: Uint8Array;
      options: InferenceSession.SessionOptions;
      /** The weights both models read, in snapshot order. */
      weights: readonly WeightSlot[];
    }
  | {
      type: 'forward';
      id: number;
      key: string;
      /** The images. */
      feeds: Record<string, ThreadTensor>;
      /** The weights to run with. */
      weights: WeightSnapshot;
      /** Forward outputs returned to the caller (features, batch statistics); the rest stay here. */
      returned: readonly string[];
      /** Forward outputs kept in this thread for the backward pass. */
      saved: readonly string[];
    }
  | {
      type: 'backward';
      id: number;
      key: string;
      /** The forward pass whose saved values the backward model reads. */
      pass: number;
      /** The features' gradient. */
      feeds: Record<string, ThreadTensor>;
      /** The weights to run with. */
      weights: WeightSnapshot;
    }
  | { type: 'release'; id: number; pass: number }
  | { type: 'drop'; id: number; key: string }
  | { type: 'close'; id: number };

/** Replies of a training session thread. */
export type TrainingSessionReply =
  | { type: 'done'; id: number; outputs?: Record<string, ThreadTensor> }
  | { type: 'failed'; id: number; message: string };
