import * as tf from '@tensorflow/tfjs-core';
import { assertNoDilation, type Shape4 } from './convolution-geometry.js';
import { depthwiseFilterGradientLoop } from './depthwise-filter-gradient-loop.js';
import { runDirectKernel } from './direct-kernel.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` as one loop over backend memory. It replaces a
 * composition (per filter tap: strided slice, multiply, matMul with ones) that cost ~4 kernels
 * per tap and most of the step's `Slice`/`BatchMatMul` time.
 */
export function directDepthwiseBackpropFilter(options: {
  /** The forward input `[N, H, W, C]`. */
  x: tf.TensorInfo;
  /** The gradient of the forward output `[N, OH, OW, C·M]`. */
  dy: tf.TensorInfo;
  /** The forward kernel attributes. */
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  /** The backend the kernel runs on (wasm or cpu). */
  backend: unknown;
}): tf.TensorInfo {
  const { x, dy, attrs, backend } = options;
  assertNoDilation(tf.DepthwiseConv2dNativeBackpropFilter, attrs.dilations);
  const convolution = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const [output] = runDirectKernel({
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backend,
    inputs: [x, dy],
    outputShapes: [attrs.filterShape],
    compute: ([xValues, dyValues], [gradient]) =>
      depthwiseFilterGradientLoop(
        xValues as Float32Array,
        dyValues as Float32Array,
        gradient as Float32Array,
        convolution,
      ),
  });
  return output as tf.TensorInfo;
}
