import type { BackboneForwardPass, BackboneTrainingEngine } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradientComputer, GradientRequest } from './gradient-computer.js';
import { clipByGlobalNorm, type StepGradients } from './gradients.js';
import { classificationLoss, correctCount } from './loss.js';

/** Options of {@link createEngineGradientComputer}. */
export interface EngineGradientComputerOptions {
  /** Runs the backbone's forward and backward passes (e.g. `createOnnxTrainingEngine`). */
  engine: BackboneTrainingEngine;
}

/**
 * A {@link GradientComputer} that splits each micro-batch at the features: the backbone's
 * forward and backward passes run on `engine` (e.g. ONNX Runtime's native kernels on every
 * core), the head and the loss in tfjs in this thread. The loss's gradient with respect to the
 * features goes back to the engine, which returns the backbone's gradients; they are summed over
 * the micro-batches (each loss weighted by its share of the batch) as `computeGradients` does,
 * so the result equals it to float rounding. BatchNorm moving statistics are updated per
 * micro-batch, by the engine for the backbone and by tfjs for the head.
 */
export function createEngineGradientComputer(
  options: EngineGradientComputerOptions,
): GradientComputer {
  const { engine } = options;
  return {
    async computeGradients(request: GradientRequest): Promise<StepGradients> {
      const { backbone, head } = request;
      const backboneWeights = new Set<tf.Tensor>(
        backbone.model.weights.map((weight) => weight.read()),
      );
      const backboneIndices: number[] = [];
      const headIndices: number[] = [];
      request.variables.forEach(({ variable }, index) => {
        (backboneWeights.has(variable) ? backboneIndices : headIndices).push(index);
      });
      const backboneVariables = backboneIndices.map(
        (index) => request.variables[index]?.variable as tf.Variable,
      );
      const headVariables = headIndices.map(
        (index) => request.variables[index]?.variable as tf.Variable,
      );
      const rows = request.inputs.shape[0] ?? 0;
      const micro = Math.max(1, Math.min(request.microBatchSize, rows));
      const rowShape = request.inputs.shape.slice(1) as [number, number, number];
      const pixels = (await request.inputs.data()) as Float32Array;
      const rowSize = pixels.length / Math.max(rows, 1);
      // Each variable's gradient sum: the first micro-batch's own array, then added to in order.
      const sums: Array<Float32Array | undefined> = request.variables.map(() => undefined);
      let loss = 0;
      let correct = 0;
      // The head's part of one micro-batch, in tfjs: loss, correct count, the head's gradients
      // and the loss's gradient with respect to the features.
      const headStep = async (options: {
        pass: BackboneForwardPass;
        start: number;
        size: number;
        weight: number;
      }) => {
        // A variable, so the tape also gives the loss's gradient with respect to the features.
        const featureValues = tf.tensor(options.pass.features, options.pass.featureShape);
        const features = tf.variable(featureValues, true);
        featureValues.dispose();
        const targets = tf.slice(request.targets, options.start, options.size);
        let batchCorrect: tf.Scalar | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const probabilities = head.model.apply(features, { training: true }) as tf.Tensor;
          batchCorrect = tf.keep(correctCount(probabilities, targets, request.activation));
          const batchLoss = classificationLoss({
            probabilities,
            targets,
            activation: request.activation,
          });
          return tf.mul(batchLoss, options.weight) as tf.Scalar;
        }, [...headVariables, features]);
        try {
          const [lossValue, correctValue] = await Promise.all([
            value.data(),
            (batchCorrect as tf.Scalar).data(),
          ]);
          const headGradients = await Promise.all(
            headVariables.map(async (variable) => {
              const gradient = grads[variable.name];
              return gradient ? ((await gradient.data()) as Float32Array) : undefined;
            }),
          );
          const featureGradientTensor = grads[features.name];
          const featureGradient = featureGradientTensor
            ? ((await featureGradientTensor.data()) as Float32Array)
            : new Float32Array(options.pass.features.length);
          return {
            loss: lossValue[0] ?? 0,
            correct: correctValue[0] ?? 0,
            headGradients,
            featureGradient,
          };
        } finally {
          tf.dispose([
            features,
            targets,
            value,
            batchCorrect as tf.Scalar,
            ...Object.values(grads),
          ]);
        }
      };
      const starts: number[] = [];
      for (let start = 0; start < rows; start += micro) starts.push(start);
      // As many micro-batches at once as the engine runs (its workers), each summed in order.
      const concurrency = Math.max(1, engine.concurrency ?? 1);
      for (let first = 0; first < starts.length; first += concurrency) {
        const group = starts.slice(first, first + concurrency).map((start) => ({
          start,
          size: Math.min(micro, rows - start),
        }));
        const forwards = group.map(({ start, size }) =>
          engine.forward({
            backbone,
            variables: backboneVariables,
            inputs: pixels.subarray(start * rowSize, (start + size) * rowSize),
            shape: [size, ...rowShape],
          }),
        );
        // Awaited below in order; handled now, so a later pass failing early is not unhandled.
        for (const forward of forwards) forward.catch(() => undefined);
        // Each micro-batch's head step runs as soon as its forward pass is back, and its
        // backward pass starts right after, while this thread does the next head step; the
        // sums stay in micro-batch order, so the result does not depend on timing.
        const backwards: Array<Promise<Float32Array[]>> = [];
        try {
          for (const [position, { start, size }] of group.entries()) {
            const pass = await (forwards[position] as Promise<BackboneForwardPass>);
            let head: Awaited<ReturnType<typeof headStep>>;
            try {
              head = await headStep({ pass, start, size, weight: size / rows });
            } catch (error) {
              pass.release();
              throw error;
            }
            loss += head.loss;
            correct += head.correct;
            for (const [headPosition, index] of headIndices.entries()) {
              const gradient = head.headGradients[headPosition];
              if (gradient) accumulate(sums, index, gradient);
            }
            const backward = pass.backward(head.featureGradient);
            backward.catch(() => undefined);
            backwards.push(backward);
          }
        } catch (error) {
          // Passes not yet handed to a head step are released; started ones run out.
          await Promise.allSettled(
            forwards.slice(backwards.length + 1).map(async (forward) => (await forward).release()),
          );
          await Promise.allSettled(backwards);
          throw error;
        }
        for (const gradients of await Promise.all(backwards)) {
          backboneIndices.forEach((index, position) => {
            accumulate(sums, index, gradients[position] as Float32Array);
          });
        }
      }
      const tensors = request.variables.map(({ variable }, index) =>
        tf.tensor(sums[index] ?? new Float32Array(variable.size), variable.shape),
      );
      const { gradients, globalNorm } = clipByGlobalNorm(tensors, request.clipNorm);
      return { loss: tf.scalar(loss), correct: tf.scalar(correct), gradients, globalNorm };
    },
  };
}

/**
 * Adds `values` to the sum at `index`; the first contribution becomes the sum itself (the
 * arrays are the caller's own: fresh from tfjs or handed over by the engine), saving a pass.
 */
function accumulate(
  sums: Array<Float32Array | undefined>,
  index: number,
  values: Float32Array,
): void {
  const target = sums[index];
  if (target === undefined) {
    // A copy when the same array already holds another sum (an engine may share a zero array).
    sums[index] = sums.includes(values) ? values.slice() : values;
    return;
  }
  for (let position = 0; position < target.length; position++) {
    target[position] = (target[position] as number) + (values[position] as number);
  }
}
