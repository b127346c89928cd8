import type { Preprocessing } from '@graft/core/images';
import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxRuntimeProbe } from './load-onnx-runtime.js';

/** Main thread → session thread. */
export type SessionRequest =
  | { type: 'open'; graph: Uint8Array; options: InferenceSession.SessionOptions }
  | { type: 'run'; id: number; pixels: Float32Array; shape: readonly number[]; microBatch: number }
  | {
      // RGB bytes, normalized here for `preprocessing` before each inference.
      type: 'run-bytes';
      id: number;
      pixels: Uint8Array;
      shape: readonly number[];
      microBatch: number;
      preprocessing: Preprocessing;
    }
  | { type: 'release' };

/** Session thread → main thread. */
export type SessionReply =
  | { type: 'opened'; inputName: string; outputName: string }
  | { type: 'ran'; id: number; outputType: string; dims: readonly number[]; values?: Float32Array }
  | { type: 'failed'; id?: number; message: string }
  | { type: 'released' }
  // Sent once, unasked, when the thread has imported onnxruntime-node (or failed to).
  | { type: 'probed'; probe: OnnxRuntimeProbe };
