import { GraftError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Kernels the gradient of a trainable layer needs, by layer class, beyond tfjs's own set. */
const gradientKernels: Readonly<Record<string, readonly string[]>> = {
  Conv2D: [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput],
  DepthwiseConv2D: [tf.DepthwiseConv2dNativeBackpropFilter, tf.DepthwiseConv2dNativeBackpropInput],
};

/**
 * Throws before the first step when the active backend lacks a kernel the trainable layers'
 * gradients need: tfjs's wasm backend has no convolution gradients, and `tf.setBackend('wasm')`
 * alone (instead of `initBackend` from `@graft/runtime`, which registers Graft's) would
 * otherwise fail mid-step with tfjs's bare "Kernel … not registered".
 */
export function assertGradientKernels(model: tfl.LayersModel): void {
  assertLayerGradientKernels(
    model.layers.filter((layer) => layer.trainable && layer.trainableWeights.length > 0),
    'Fine-tuning',
  );
}

/**
 * The same check for any `layers` a gradient flows through, trainable or not (Grad-CAM
 * differentiates the layers after the feature map); `purpose` starts the message.
 */
export function assertLayerGradientKernels(
  layers: readonly tfl.layers.Layer[],
  purpose: string,
): void {
  const backend = tf.getBackend();
  const missing = new Set<string>();
  for (const layer of layers) {
    for (const kernel of gradientKernels[layer.getClassName()] ?? []) {
      if (tf.getKernel(kernel, backend) === undefined) missing.add(kernel);
    }
  }
  if (missing.size === 0) return;
  throw new GraftError({
    code: 'BACKEND_UNAVAILABLE',
    message: `${purpose} needs the kernels ${[...missing].map((name) => `'${name}'`).join(', ')}, which the tfjs backend '${backend}' does not register. Select the backend with initBackend() from @graft/runtime (it registers Graft's training kernels for wasm) instead of tf.setBackend('${backend}'), or call registerWasmTrainingKernels() after it.`,
  });
}
