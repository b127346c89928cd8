import type { BackendEnvironment } from './backend-candidate.js';

/** What happened to one candidate. */
export type CandidateStatus =
  /** This candidate is the active backend. */
  | 'chosen'
  /** Its package is not installed. */
  | 'not-installed'
  /** Its package is installed but importing it failed (native library, binding, syntax). */
  | 'load-failed'
  /** It imported but `tf.setBackend` failed, or it is not what it claims (GPU package on CPU). */
  | 'init-failed'
  /** A candidate earlier in the order was chosen. */
  | 'not-tried'
  /** `prefer` asked for another candidate. */
  | 'not-requested';

/** The outcome for one candidate. */
export interface CandidateOutcome {
  /** Candidate name, e.g. `node-gpu`. */
  name: string;
  /** The package that provides it. */
  packageName: string;
  /** The tfjs backend name it registers. */
  tfjsBackend: string;
  /** What happened. */
  status: CandidateStatus;
  /** Why it was not chosen, in one sentence; absent for the chosen one. */
  reason?: string;
  /** The underlying error message, where there was one. */
  error?: string;
}

/** What {@link initBackend} chose and why every other candidate was not chosen. */
export interface BackendReport {
  /** `node` or `browser`. */
  environment: BackendEnvironment;
  /** The chosen candidate's name, e.g. `wasm`. */
  chosen: string;
  /** The active tfjs backend name (`tf.getBackend()`), e.g. `wasm` or `tensorflow`. */
  tfjsBackend: string;
  /** Whether `prefer` restricted the choice to one candidate. */
  preferred: boolean;
  /** Every candidate of the environment, in the order they are tried. */
  candidates: CandidateOutcome[];
  /** Gradient kernels registered for wasm by this call (empty if already there or not wasm). */
  wasmTrainingKernels: string[];
}
