export {
  type InferenceSessionSettings,
  inferenceSessionOptions,
} from './inference-session-options.js';
export {
  loadOnnxRuntime,
  type ModuleImporter,
  type OnnxRuntime,
  type OnnxRuntimeProbe,
  onnxRuntimeInstallHint,
  probeOnnxRuntime,
} from './load-onnx-runtime.js';
export {
  createOnnxFeatureComputer,
  type ExecutionProvider,
  type OnnxFeatureComputer,
  type OnnxFeatureComputerOptions,
} from './onnx-feature-computer.js';
export {
  type CachedOnnxGraph,
  type CachedOnnxGraphOptions,
  cachedOnnxGraph,
  onnxGraphCacheVersion,
} from './onnx-graph-cache.js';
export {
  createOnnxModelRunner,
  type OnnxModelRunner,
  type OnnxModelRunnerOptions,
} from './onnx-model-runner.js';
export {
  createOnnxTrainingEngine,
  type OnnxTrainingEngine,
  type OnnxTrainingEngineOptions,
} from './onnx-training-engine.js';
export {
  openSessionThread,
  type SessionThread,
  type StartedSessionThread,
  startSessionThread,
} from './open-session-thread.js';
export {
  type CalibrationBatch,
  type CalibrationMethod,
  calibrationMethods,
  type QuantizedOnnxCalibrated,
  type QuantizeOnnxCalibratedOptions,
  quantizeOnnxCalibrated,
} from './quantize-onnx-calibrated.js';
export {
  type FeatureEngineChoice,
  type FeatureEngineRequest,
  featureEngineRequests,
  type ResolveFeatureEngineOptions,
  resolveFeatureEngine,
} from './resolve-feature-engine.js';
