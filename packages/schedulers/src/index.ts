export {
  exponentialRamp,
  smoothingLag,
  smoothLosses,
  steepestDescentIndex,
} from './finder/curve.js';
export {
  type FindLearningRateOptions,
  findLearningRate,
  type LearningRateFinderBatch,
  type LearningRateFinderBatches,
  type LearningRateFinderLoss,
  type LearningRateFinderResult,
  type StepOptimizer,
} from './finder/find-learning-rate.js';
export { type RenderSvgOptions, renderLearningRateCurveSvg } from './finder/render-svg.js';
export { type RenderTextOptions, renderLearningRateCurveText } from './finder/render-text.js';
export {
  createSchedule,
  getScheduleDescriptor,
  listSchedules,
  registerSchedule,
  scheduleFromConfig,
} from './schedule-registry.js';
export { type ConstantScheduleOptions, constantSchedule } from './schedules/constant.js';
export { type CosineScheduleOptions, cosineSchedule } from './schedules/cosine.js';
export {
  type CosineRestartsScheduleOptions,
  cosineRestartsSchedule,
} from './schedules/cosine-restarts.js';
export { type CyclicScheduleOptions, cyclicSchedule } from './schedules/cyclic.js';
export { type ExponentialScheduleOptions, exponentialSchedule } from './schedules/exponential.js';
export { type MultiStepScheduleOptions, multiStepSchedule } from './schedules/multi-step.js';
export { type OneCycleScheduleOptions, oneCycleSchedule } from './schedules/one-cycle.js';
export { type PolynomialScheduleOptions, polynomialSchedule } from './schedules/polynomial.js';
export {
  type ReduceOnPlateauScheduleOptions,
  reduceOnPlateauSchedule,
} from './schedules/reduce-on-plateau.js';
export { type StepScheduleOptions, stepSchedule } from './schedules/step.js';
export { type WarmupScheduleOptions, warmupSchedule } from './schedules/warmup.js';
