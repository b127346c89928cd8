export {
  type BackendCandidate,
  type BackendEnvironment,
  backendCandidates,
  candidatesFor,
  detectEnvironment,
} from './backends/backend-candidate.js';
export type {
  BackendReport,
  CandidateOutcome,
  CandidateStatus,
} from './backends/backend-report.js';
export { BackendUnavailableError } from './backends/backend-unavailable-error.js';
export { classifyLoadError, type LoadFailure } from './backends/classify-load-error.js';
export { formatBackendReport } from './backends/format-backend-report.js';
export { type InitBackendOptions, initBackend } from './backends/init-backend.js';
export { registerFusedGradients } from './fused-gradients/register-fused-gradients.js';
export { guardWasmAllocations } from './memory/guard-wasm-allocations.js';
export { isOutOfMemoryError } from './memory/is-out-of-memory-error.js';
export {
  type OutOfMemoryContext,
  withOutOfMemoryGuard,
} from './memory/with-out-of-memory-guard.js';
export {
  registerWasmTrainingKernels,
  wasmTrainingKernelNames,
} from './wasm-kernels/register-wasm-training-kernels.js';
