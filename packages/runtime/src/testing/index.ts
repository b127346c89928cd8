// Test and benchmark helpers: a random-weight MobileNetV2 (the training workload), the fused
// gradients switched off (the reference they are checked against) and the depthwise filter
// gradient as a composition of ops (the reference of the direct wasm loop).

export { depthwiseConv2dBackpropFilter } from '../wasm-kernels/depthwise-conv2d-backprop-filter.js';
export { type MobileNetV2Options, mobileNetV2 } from './mobilenet-v2.js';
export { withOriginalGradients } from './with-original-gradients.js';
