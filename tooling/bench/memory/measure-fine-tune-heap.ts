// Measures the wasm heap one fine-tuning micro-batch needs (forward + backward + gradient
// accumulation + one optimizer update), in a fresh process per configuration because the wasm
// heap only grows. Usage (from the repo root):
//   node --conditions=@graft/source --import tsx tooling/bench/memory/measure-fine-tune-heap.ts \
//     <backbone> <microBatch|default> [unfreezeFrom|-] [frozen|training]
// Prints one JSON line: heap before and after, peak live tensor bytes (after the gradients and
// overall), the trainer's estimate for this configuration and its default micro-batch at batch 32,
// seconds. ESTIMATE_ONLY=1 prints the estimate without running the step.
import { createBackbone } from '@graft/backbones';
import { linearHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import {
  adam,
  chooseMicroBatchSize,
  computeGradients,
  estimateFineTuneMemory,
  fineTuneStepBytes,
  type OptimizedVariable,
  releaseGradientTape,
} from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const [name = 'mobilenet_v2_1.0_224', microText = '4', fromText = '-', batchNorm = 'frozen'] =
  process.argv.slice(2);
await initBackend({ prefer: 'wasm' });
const wasm = (tf.backend() as unknown as { wasm: { HEAP8: Int8Array; _malloc: unknown } }).wasm;
const heap = () => wasm.HEAP8.buffer.byteLength;
// Live bytes of tensor buffers (allocated from JS), to see the peak finer than the heap's growth
// steps (emscripten grows it by up to 20 % at a time); kernels' own scratch is not counted.
const module = wasm as unknown as {
  _malloc: (bytes: number) => number;
  _free: (address: number) => void;
};
const sizes = new Map<number, number>();
let live = 0;
let peakLive = 0;
// The first call replaces emscripten's lazy export stub with the real function: wrap that one.
module._free(module._malloc(8));
const malloc = module._malloc;
const free = module._free;
module._malloc = Object.assign((bytes: number) => {
  const address = malloc(bytes);
  sizes.set(address, bytes);
  live += bytes;
  peakLive = Math.max(peakLive, live);
  return address;
}, malloc);
module._free = (address: number) => {
  live -= sizes.get(address) ?? 0;
  sizes.delete(address);
  free(address);
};
const backbone = await createBackbone(name, { pretrained: false, seed: 1 });
backbone.freeze();
backbone.unfreeze({
  ...(fromText === '-' ? {} : { from: fromText }),
  ...(batchNorm === 'frozen'
    ? { layers: (layer) => layer.getClassName() !== 'BatchNormalization' }
    : {}),
});
const head = linearHead({ featureDim: backbone.featureDim, numClasses: 2, seed: 1 });
const variables: OptimizedVariable[] = [
  ...backbone.model.trainableWeights,
  ...head.model.trainableWeights,
].map((weight, index) => ({
  key: `${index}/${weight.name}`,
  variable: weight.read() as tf.Variable,
}));
const [height, width] = backbone.preprocessing.inputSize;
const optimizer = adam({ learningRate: 1e-4 });
const forward = (x: tf.Tensor) =>
  head.model.apply(backbone.model.apply(x, { training: true }) as tf.Tensor, {
    training: true,
  }) as tf.Tensor;
const estimate = estimateFineTuneMemory({
  model: backbone.model,
  extraTrainableParameters: head.model.countParams(),
});
const choice = chooseMicroBatchSize({
  model: backbone.model,
  inputSize: backbone.preprocessing.inputSize,
  batchSize: 32,
  extraTrainableParameters: head.model.countParams(),
});
// `default`: the micro-batch the trainer chooses at batch 32.
const microBatch = microText === 'default' ? choice.microBatchSize : Number(microText);
const inputs = tf.randomUniform([microBatch, height, width, 3], -1, 1, 'float32', 1);
const targets = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: microBatch }, (_, i) => i % 2),
    'int32',
  ),
  2,
);
const estimated = {
  estimatedMiB: estimate ? Math.round(fineTuneStepBytes(estimate, microBatch) / 2 ** 20) : null,
  defaultMicroBatch: choice.microBatchSize,
};
if (process.env.ESTIMATE_ONLY === '1') {
  console.log(
    JSON.stringify({ name, microBatch, unfreezeFrom: fromText, batchNorm, ...estimated }),
  );
  process.exit(0);
}
const before = heap();
const liveBefore = live;
peakLive = live;
const started = performance.now();
let outcome = 'ok';
let peakGradientsMiB = 0;
// STEPS=2: a second step, whose gradients meet the Adam slots the first one created (steady state).
const steps = Number(process.env.STEPS ?? 1);
try {
  for (let index = 0; index < steps; index++) {
    const step = computeGradients({
      forward,
      inputs,
      targets,
      activation: 'softmax',
      variables,
      microBatchSize: microBatch,
    });
    peakGradientsMiB = Math.round(peakLive / 2 ** 20);
    optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-4 });
    await step.loss.data();
    tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
  }
} catch (error) {
  outcome = `${(error as Error).name}: ${(error as Error).message.slice(0, 300)}`;
  if (process.env.SHOW_STACK) console.error((error as Error).stack);
  // RETRY_AT=n: after a failure, the same step at micro-batch n, to show the backend still works.
  const retry = Number(process.env.RETRY_AT ?? 0);
  if (retry > 0) {
    releaseGradientTape();
    outcome += ` | after failure: ${tf.memory().numTensors} tensors, ${Math.round(tf.memory().numBytes / 2 ** 20)} MiB, live ${Math.round(live / 2 ** 20)} MiB`;
    try {
      const step = computeGradients({
        forward,
        inputs,
        targets,
        activation: 'softmax',
        variables,
        microBatchSize: retry,
      });
      const loss = (await step.loss.data())[0];
      tf.dispose([step.loss, step.correct, step.globalNorm, ...step.gradients]);
      outcome += ` | retry at micro-batch ${retry}: ok, loss ${loss?.toFixed(4)}`;
    } catch (retryError) {
      outcome += ` | retry at micro-batch ${retry}: ${(retryError as Error).message.slice(0, 200)}`;
    }
  }
}
console.log(
  JSON.stringify({
    name,
    microBatch,
    steps,
    unfreezeFrom: fromText,
    batchNorm,
    outcome,
    trainableTensors: variables.length,
    heapBeforeMiB: Math.round(before / 2 ** 20),
    heapAfterMiB: Math.round(heap() / 2 ** 20),
    liveBeforeMiB: Math.round(liveBefore / 2 ** 20),
    peakLiveMiB: Math.round(peakLive / 2 ** 20),
    peakGradientsMiB,
    ...estimated,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  }),
);
