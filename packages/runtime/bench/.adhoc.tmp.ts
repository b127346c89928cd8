import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { withOriginalGradients } from '../src/testing/with-original-gradients.js';
import { batchNormGradientKernel, batchNormGradientKernelName } from '../src/fused-gradients/batch-norm-gradient.js';
import { batchNormGradientByMatMul } from '../src/fused-gradients/batch-norm-gradient-by-matmul.js';
await initBackend({ prefer: 'wasm' });
const shapes = [[112, 32],[112, 96],[56, 144],[28, 192],[14, 384],[14, 576],[7, 960]];
const layers = shapes.map(([s, c]) => ({ x: tf.randomNormal([4, s, s, c]), dy: tf.randomNormal([4, s, s, c]), mean: tf.randomNormal([c]), variance: tf.randomUniform([c], 0.5, 2), scale: tf.randomNormal([c]), offset: tf.randomNormal([c]) }));
const gradOnly = () => { for (const l of layers) { const g = tf.tidy(() => tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.batchNorm(x, m, v, o, s, 1e-3))([l.x, l.mean, l.variance, l.scale, l.offset], l.dy)); tf.dispose(g); } };
const clip = () => { for (const l of layers) { const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.clipByValue(x, 0, 6))(l.x, l.dy)); g.dispose(); } };
const meanLead = () => { for (const l of layers) { tf.tidy(() => tf.moments(l.x, [0,1,2])); } };
function time(name: string, f: () => void) { f(); const c0 = process.cpuUsage(); const t0 = performance.now(); for (let i = 0; i < 4; i++) f(); const c = process.cpuUsage(c0); console.log(name.padEnd(40), ((c.user + c.system) / 4000).toFixed(0), 'CPU-ms', ((performance.now() - t0) / 4).toFixed(0), 'ms'); }
const jsKernel = tf.getKernel(batchNormGradientKernelName, 'wasm')!;
for (let round = 0; round < 2; round++) {
await withOriginalGradients('wasm', () => time('BN grad composition', gradOnly));
time('BN grad JS loop', gradOnly);
tf.unregisterKernel(batchNormGradientKernelName, 'wasm');
tf.registerKernel({ kernelName: batchNormGradientKernelName, backendName: 'wasm', kernelFunc: ({ inputs, attrs }) => { const { x, dy, mean, variance, scale } = inputs as Record<string, tf.Tensor>; return batchNormGradientByMatMul({ x: x!, dy: dy!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, scale: scale as tf.Tensor1D, attrs: attrs as never }); } });
time('BN grad matmul', gradOnly);
tf.unregisterKernel(batchNormGradientKernelName, 'wasm'); tf.registerKernel(jsKernel);
await withOriginalGradients('wasm', () => time('clip grad composition', clip));
time('clip grad JS', clip);
time('moments forward (native Mean)', meanLead);
}
console.log(tf.memory().numTensors);
