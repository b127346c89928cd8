export {
  type AdaptBatchNormOptions,
  type AdaptBatchNormProgress,
  type AdaptBatchNormReport,
  type AdaptedBatchNormLayer,
  adaptBatchNorm,
  type BatchNormStrategy,
  batchNormStrategies,
} from './adaptation/adapt-batch-norm.js';
export {
  type AdaptationContext,
  type AdaptationMethodDescriptor,
  type AdaptationRecord,
  type AdaptClassifierOptions,
  type AdaptedClassifierMetadata,
  adaptationMethodNames,
  adaptationMethodRegistry,
  adaptClassifier,
  cloneModel,
  getAdaptationMethod,
} from './adaptation/adapt-classifier.js';
export { type BatchNormLayer, findBatchNormLayers } from './adaptation/batch-norm-layers.js';
export {
  type CalibrationBin,
  type CalibrationError,
  type ExpectedCalibrationErrorOptions,
  expectedCalibrationError,
} from './calibration/expected-calibration-error.js';
export {
  type FitTemperatureOptions,
  fitTemperature,
  meanNegativeLogLikelihood,
  softmaxWithTemperature,
  type TemperatureFit,
} from './calibration/fit-temperature.js';
export {
  applyTemperature,
  type CalibrateHeadOptions,
  type CalibrationMetadata,
  type CalibrationResult,
  calibrateHead,
  calibrationTemperature,
  headLogits,
  softmaxOutputLayer,
} from './calibration/temperature-scaling.js';
export {
  type EarlyStopping,
  type EarlyStoppingOptions,
  earlyStopping,
} from './callbacks/early-stopping.js';
export { History } from './callbacks/history.js';
export { type LearningRateLogger, learningRateLogger } from './callbacks/learning-rate-logger.js';
export { improves, type MonitorMode, resolveMode } from './callbacks/monitor.js';
export { type ProgressUpdate, progressTracker } from './callbacks/progress.js';
export type {
  CallbackState,
  TrainerCallback,
  TrainerCallbackContext,
  WeightSnapshot,
} from './callbacks/trainer-context.js';
export { isTrainerContext } from './callbacks/trainer-context.js';
export {
  type CheckpointManifest,
  captureCheckpoint,
  readCallbackStates,
  restoreCheckpoint,
  type TrainingCheckpoint,
} from './checkpoint/training-checkpoint.js';
export {
  Classifier,
  checkMetadata,
  loadClassifier,
  readClassifierMetadata,
} from './classifier/classifier.js';
export {
  type ClassifierMetadata,
  classifierFormatVersion,
} from './classifier/classifier-metadata.js';
export { composeClassifier } from './classifier/compose-classifier.js';
export {
  type ExportClassifierOptions,
  exportClassifier,
} from './classifier/export-classifier.js';
export {
  quantizeWeights,
  toFloat16,
  type WeightQuantization,
  weightQuantizations,
} from './classifier/quantize-weights.js';
export {
  checkPredictOptions,
  type Prediction,
  type PredictOptions,
  rankPredictions,
} from './classifier/rank-predictions.js';
export { resizeToInput } from './classifier/resize-to-input.js';
export {
  type TeachableMachineCompatibility,
  teachableMachineCompatibility,
} from './classifier/teachable-machine-compatibility.js';
export {
  isTeachableMachineMetadata,
  metadataFromTeachableMachine,
  type TeachableMachineMetadata,
  teachableMachinePackageName,
} from './classifier/teachable-machine-metadata.js';
export {
  predictWithTestTimeAugmentation,
  type TestTimeAugmentation,
  type TestTimeAugmentationOptions,
  testTimeAugmentations,
  testTimeAugmentationViews,
  viewWeights,
} from './classifier/test-time-augmentation.js';
export { type EvaluateOptions, evaluate, evaluateFeatures } from './evaluation/evaluate.js';
export {
  type ClassMetrics,
  type ComputeMetricsOptions,
  computeMetrics,
  type EvaluationReport,
  type Misclassified,
} from './evaluation/metrics.js';
export {
  type ComputeMultiLabelMetricsOptions,
  computeMultiLabelMetrics,
  defaultMultiLabelThreshold,
  type MultiLabelMetrics,
} from './evaluation/multi-label-metrics.js';
export { type ExplainOptions, type Explanation, explain } from './explain/explain.js';
export { type GradCamOptions, type GradCamResult, gradCam } from './explain/grad-cam.js';
export {
  coveredWindow,
  heatMapColours,
  type OverlayHeatMapOptions,
  overlayHeatMap,
  upsampleHeatMap,
} from './explain/heat-map-overlay.js';
export { backboneCacheIdentity } from './features/backbone-cache-identity.js';
export { contentHash } from './features/content-hash.js';
export {
  type ExtractFeaturesOptions,
  type ExtractionStats,
  extractFeatures,
  type FeatureTable,
} from './features/extract-features.js';
export type {
  FeatureComputer,
  FeatureEngine,
  PreprocessedBatch,
} from './features/feature-computer.js';
export { type FeatureStore, MemoryFeatureStore } from './features/feature-store.js';
export {
  type ClassWeightSetting,
  type ResolveClassWeightsOptions,
  resolveClassWeights,
} from './losses/class-weights.js';
export {
  type ClassificationLoss,
  type ClassificationLossDescriptor,
  classificationLossNames,
  classificationLossRegistry,
  createClassificationLoss,
  crossEntropy,
  type FocalLossOptions,
  focalLoss,
} from './losses/classification-loss.js';
export {
  type CoralLayer,
  type CoralLoss,
  type CoralOptions,
  centredLogits,
  coral,
  coralLoss,
  covariance,
} from './losses/coral.js';
export {
  type DistillationLoss,
  type DistillationOptions,
  distillation,
  distillationLoss,
  softDistillationLoss,
} from './losses/distillation.js';
export {
  type HardLabelLoss,
  hardLabelLoss,
  hardLabelLossConfig,
  type ResolveHardLabelLossOptions,
  resolveHardLabelLoss,
} from './losses/hard-label-loss.js';
export type { LossTerm } from './losses/loss-term.js';
export {
  type FeatureTeacher,
  type LogitsTeacher,
  logitsFromProbabilities,
  type Teacher,
} from './losses/teacher.js';
export {
  type ExtractTeacherLogitsOptions,
  extractTeacherLogits,
  type TeacherLogitsTable,
  type TeacherStats,
} from './losses/teacher-logits.js';
export { type AdamOptions, adam, adamw } from './optimizers/adam.js';
export type { OptimizedVariable, Optimizer, OptimizerState } from './optimizers/optimizer.js';
export {
  createOptimizer,
  listOptimizers,
  type OptimizerDescriptor,
  optimizerRegistry,
} from './optimizers/optimizer-registry.js';
export { type SgdOptions, sgd } from './optimizers/sgd.js';
export {
  type ChooseMicroBatchSizeOptions,
  chooseMicroBatchSize,
  defaultMicroBatchSize,
  type MicroBatchChoice,
  microBatchHeapShare,
  wasmHeapLimitBytes,
} from './training/choose-micro-batch-size.js';
export {
  createEngineGradientComputer,
  type EngineGradientComputerOptions,
} from './training/engine-gradient-computer.js';
export { type FineTuneOptions, type FineTuneResult, fineTune } from './training/fine-tune.js';
export {
  estimateFineTuneMemory,
  type FineTuneMemoryEstimate,
  type FineTuneMemoryOptions,
  fineTuneStepBytes,
} from './training/fine-tune-memory.js';
export {
  defaultFrozenPrefixCacheBytes,
  type FrozenPrefixCacheReport,
  type FrozenPrefixCacheSetting,
} from './training/frozen-prefix-cache.js';
export type { GradientComputer, GradientRequest } from './training/gradient-computer.js';
export {
  clipByGlobalNorm,
  computeGradients,
  type LossBatch,
  type StepGradients,
} from './training/gradients.js';
export {
  type GradualUnfreezeOptions,
  type GradualUnfreezeResult,
  gradualUnfreeze,
  type UnfreezeStage,
} from './training/gradual-unfreeze.js';
export { classificationLoss, toTargets } from './training/loss.js';
export type { PrefixRunner, PrefixRunnerFactory } from './training/prefix-runner.js';
export { releaseGradientTape } from './training/release-gradient-tape.js';
export {
  type TrainingMode,
  type TrainOptions,
  type TrainResult,
  train,
} from './training/train.js';
export type { DiscriminativeLearningRates, KeyedWeight } from './training/trainable-variables.js';
