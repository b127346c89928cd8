export {
  listActivationConverters,
  registerActivationConverter,
} from './convert/activation-registry.js';
export type {
  ActivationConverter,
  LayerConversion,
  LayerConverter,
  LayerWeight,
  OnnxValue,
} from './convert/layer-converter.js';
export {
  listLayerConverters,
  registerLayerConverter,
  unregisterLayerConverter,
} from './convert/layer-converter-registry.js';
export { toChannelsFirstAxis } from './convert/layout.js';
export {
  type ConvertToOnnxOptions,
  convertToOnnx,
  defaultOpsetVersion,
  irVersionOfOpset,
  onnxConverterVersion,
} from './convert-to-onnx.js';
export {
  describeOnnxModel,
  type OnnxModelDescription,
  type OnnxTensorDescription,
} from './describe-onnx-model.js';
export { UnsupportedLayerError } from './errors/unsupported-layer-error.js';
export {
  type ExportClassifierToOnnxOptions,
  exportClassifierToOnnx,
  type OnnxClassifierFiles,
  type OnnxClassifierMetadata,
  onnxMetadataKeys,
} from './export-classifier-to-onnx.js';
export {
  type OnnxAttributeValue,
  OnnxGraphBuilder,
  type OnnxNodeOptions,
} from './graph/onnx-graph-builder.js';
export { type OnnxSupport, onnxSupport } from './onnx-support.js';
export {
  type ActivationRange,
  ActivationRangeObserver,
} from './quantize/activation-range-observer.js';
export {
  buildCalibrationModel,
  type CalibrationModel,
} from './quantize/build-calibration-model.js';
export { PercentileRangeObserver } from './quantize/percentile-range-observer.js';
export {
  type QuantizedOnnxStatic,
  type QuantizeOnnxStaticOptions,
  quantizeOnnxStatic,
  uint8Parameters,
} from './quantize/quantize-onnx-static.js';
export {
  type QuantizedOnnxWeights,
  type QuantizeOnnxWeightsOptions,
  quantizeOnnxWeights,
} from './quantize/quantize-onnx-weights.js';
export {
  type BatchStatisticOutputs,
  buildTrainingGraphs,
  findUntrainableLayer,
  type TrainingGraphOptions,
  type TrainingGraphs,
} from './training/build-training-graphs.js';
export type {
  BackwardResult,
  ForwardResult,
  TrainingBackward,
  TrainingForward,
  TrainingLayer,
} from './training/training-layer.js';
export { listTrainingLayers, registerTrainingLayer } from './training/training-layer-registry.js';
