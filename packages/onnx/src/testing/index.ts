export {
  type CompareWithOnnxRuntimeOptions,
  compareWithOnnxRuntime,
  type OnnxAgreement,
} from './compare-with-onnx-runtime.js';
