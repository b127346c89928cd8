import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import { registerFusedGradients } from '../fused-gradients/register-fused-gradients.js';
import { randomHost } from '../testing/compare-backends.js';
import { mobileNetV2 } from '../testing/mobilenet-v2.js';
import { compareGradients, cyclicLabels, modelGradients } from '../testing/model-gradients.js';
import { withOriginalGradients } from '../testing/with-original-gradients.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-input.js';
import { directDepthwiseBackpropFilter } from './direct-depthwise-backprop-filter.js';

// Runs the composed kernels (and the fused ReLU6/BatchNormalization gradients) in place of the
// cpu backend's own, everything else unchanged, so a full-depth MobileNetV2 isolates their
// numerics from the wasm backend's forward kernels.
const composed: tf.KernelConfig[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs }) =>
      conv2dBackpropFilter({
        x: inputs.x as tf.Tensor4D,
        dy: inputs.dy as tf.Tensor4D,
        attrs: attrs as unknown as tf.Conv2DBackpropFilterAttrs,
      }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs }) =>
      depthwiseConv2dBackpropInput({
        dy: inputs.dy as tf.Tensor4D,
        filter: inputs.filter as tf.Tensor4D,
        attrs: attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs,
      }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'cpu',
    // The direct loop the wasm backend registers (it runs on cpu memory too).
    kernelFunc: ({ inputs, attrs, backend }) =>
      directDepthwiseBackpropFilter({
        x: inputs.x as tf.TensorInfo,
        dy: inputs.dy as tf.TensorInfo,
        attrs: attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs,
        backend,
      }),
  },
];
const originals = composed.map((kernel) => tf.getKernel(kernel.kernelName, 'cpu'));

afterAll(() => {
  for (const original of originals) {
    if (original === undefined) continue;
    tf.unregisterKernel(original.kernelName, 'cpu');
    tf.registerKernel(original);
  }
});

it('composed kernels and fused gradients give full MobileNetV2 gradients equal to the native cpu kernels', async () => {
  await tf.setBackend('cpu');
  registerFusedGradients();
  const model = mobileNetV2({ alpha: 0.5, inputSize: 64, classes: 5 });
  const images = randomHost([2, 64, 64, 3], 11);
  const labels = cyclicLabels(2, 5);
  const expected = await withOriginalGradients('cpu', () =>
    modelGradients({ model, images, labels }),
  );
  for (const kernel of composed) {
    tf.unregisterKernel(kernel.kernelName, 'cpu');
    tf.registerKernel(kernel);
  }
  const actual = modelGradients({ model, images, labels });
  model.dispose();
  const comparison = compareGradients(actual, expected);
  console.log(`full MobileNetV2, composed vs native cpu kernels: ${JSON.stringify(comparison)}`);
  expect(comparison.worstError, comparison.worstWeight).toBeLessThanOrEqual(1e-4);
  expect(comparison.vanishingError).toBeLessThanOrEqual(1e-6);
});
