import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { randomResizedCrop, randomFlip, colorJitter, normalize } from './src/index.ts';
await tf.setBackend('wasm');
const images = tf.randomUniform([32, 224, 224, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
const labels = tf.zeros([32], 'int32') as tf.Tensor1D;
const ops = { crop: randomResizedCrop({ size: 224 }), flip: randomFlip(), jitter: colorJitter({ brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0.04 }), norm: normalize({ range: [-1, 1] }) };
for (const [name, op] of Object.entries(ops)) {
  for (let i = 0; i < 3; i++) { const t = performance.now(); const o = op.apply({ images, labels }, { seed: i, numClasses: 2 }); await o.images.data(); if (i == 2) console.log(name, (performance.now() - t).toFixed(0), 'ms'); o.images.dispose(); o.labels.dispose(); }
  const p = await tf.profile(() => { const o = op.apply({ images, labels }, { seed: 1, numClasses: 2 }); return o.images; });
  console.log(p.kernels.filter(k => (k.kernelTimeMs as number) > 2).map(k => `  ${k.name} ${(k.kernelTimeMs as number).toFixed(1)} ${k.inputShapes.map(s=>JSON.stringify(s)).join(' ')}`).join('\n'));
}
{ const t = performance.now(); const d = await images.data(); console.log('readback', (performance.now() - t).toFixed(0)); }
