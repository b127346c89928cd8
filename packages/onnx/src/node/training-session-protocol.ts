import type { InferenceSession } from 'onnxruntime-node';

/** A float32 tensor crossing the thread boundary. */
export interface ThreadTensor {
  data: Float32Array;
  dims: readonly number[];
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
    }
  | {
      type: 'forward';
      id: number;
      key: string;
      /** Images and weights. */
      feeds: Record<string, ThreadTensor>;
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
      /** The features' gradient and the weights. */
      feeds: Record<string, ThreadTensor>;
    }
  | { type: 'release'; id: number; pass: number }
  | { type: 'drop'; id: number; key: string }
  | { type: 'close'; id: number };

/** Replies of a training session thread. */
export type TrainingSessionReply =
  | { type: 'done'; id: number; outputs?: Record<string, ThreadTensor> }
  | { type: 'failed'; id: number; message: string };
