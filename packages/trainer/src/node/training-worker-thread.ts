// Entry of each worker of createTrainingWorkerPool: builds the backbone through the app's module
// (the head from the topology the main thread sends), then answers 'step' messages: copy the
// master weights from the shared buffer, compute the gradients of its rows' micro-batches, write
// them into its region of the shared gradient buffer.
import { parentPort, workerData } from 'node:worker_threads';
import type { Backbone } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { computeGradients } from '../training/gradients.js';
import { classificationLoss } from '../training/loss.js';
import { canonicalWeights } from './canonical-weights.js';
import { importBackboneFactory } from './import-backbone-factory.js';
import { preorderLayers } from './preorder-layers.js';
import type {
  FromTrainingWorkerMessage,
  StepMessage,
  TrainingWorkerData,
} from './training-worker-protocol.js';
import { workerErrorMessage } from './worker-error-message.js';

const port = parentPort;
if (port === null) throw new Error('training-worker-thread must run in a worker thread');
const { module, data } = workerData as TrainingWorkerData;

function post(message: FromTrainingWorkerMessage, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}

/** The replica: the app's backbone and the head rebuilt from the main thread's topology. */
class Replica {
  private head: tfl.LayersModel | undefined;
  private headTopology = '';
  private weights: tfl.LayerVariable[] = [];

  constructor(private readonly backbone: Backbone) {}

  /** Rebuilds the head when its topology changed; sets trainable flags; copies the weights. */
  async prepare(message: StepMessage): Promise<tfl.LayersModel> {
    if (this.head === undefined || message.headTopology !== this.headTopology) {
      this.head?.dispose();
      this.head = await tfl.models.modelFromJSON({
        modelTopology: JSON.parse(message.headTopology),
      });
      this.headTopology = message.headTopology;
      this.weights = canonicalWeights([this.backbone.model, this.head]);
    }
    const head = this.head;
    const layers = [...preorderLayers(this.backbone.model), ...preorderLayers(head)];
    if (layers.length !== message.trainableFlags.length) {
      throw new Error(
        `The worker's backbone and head have ${layers.length} layers, the main thread's ${message.trainableFlags.length}: the worker module must build the same backbone.`,
      );
    }
    layers.forEach((layer, index) => {
      layer.trainable = message.trainableFlags[index] as boolean;
    });
    if (message.weightSlots.length !== this.weights.length) {
      throw new Error(
        `The worker's backbone and head have ${this.weights.length} weights, the main thread's ${message.weightSlots.length}: the worker module must build the same backbone.`,
      );
    }
    const values = new Float32Array(message.weights);
    for (const slot of message.weightSlots) {
      const weight = this.weight(slot.index);
      const size = slot.shape.reduce((product, length) => product * length, 1);
      if (weight.shape.join('x') !== slot.shape.join('x')) {
        throw new Error(
          `Weight ${slot.index} (${weight.name}) is ${weight.shape.join('x')} in the worker, ${slot.shape.join('x')} in the main thread: the worker module must build the same backbone.`,
        );
      }
      // A copy: the cpu backend would keep a view of the shared buffer, which the next step rewrites.
      const tensor = tf.tensor(values.slice(slot.offset, slot.offset + size), slot.shape);
      weight.write(tensor);
      tensor.dispose();
    }
    return head;
  }

  weight(index: number): tfl.LayerVariable {
    const weight = this.weights[index];
    if (weight === undefined) {
      throw new Error(
        `The worker's models have ${this.weights.length} weights, the main thread's more: the worker module must build the same backbone.`,
      );
    }
    return weight;
  }

  async step(message: StepMessage): Promise<FromTrainingWorkerMessage> {
    const head = await this.prepare(message);
    const rows = message.inputShape[0] as number;
    const share = rows / message.batchRows;
    const inputs = tf.tensor(message.inputs, message.inputShape);
    const targets = tf.tensor2d(message.targets, [rows, message.targets.length / rows]);
    const forward = (x: tf.Tensor) =>
      head.apply(this.backbone.model.apply(x, { training: true }) as tf.Tensor, {
        training: true,
      }) as tf.Tensor;
    let result: ReturnType<typeof computeGradients> | undefined;
    try {
      result = computeGradients({
        forward,
        inputs,
        targets,
        activation: message.activation,
        variables: message.trainableIndices.map((index) => ({
          key: String(index),
          variable: this.weight(index).read() as tf.Variable,
        })),
        microBatchSize: message.microBatchSize,
        // computeGradients weights each micro-batch by its rows / this share's rows; scaled by
        // the share, each is weighted by its rows / the batch's rows, as in one thread.
        loss: ({ probabilities, targets: batchTargets }) =>
          tf.tidy(() =>
            tf.mul(
              classificationLoss({
                probabilities,
                targets: batchTargets,
                activation: message.activation,
              }),
              share,
            ),
          ),
      });
      const out = new Float32Array(message.gradients);
      let offset = message.gradientOffset;
      for (const gradient of result.gradients) {
        const values = (await gradient.data()) as Float32Array;
        out.set(values, offset);
        offset += values.length;
      }
      const [loss, correct] = await Promise.all([result.loss.data(), result.correct.data()]);
      const states = message.stateIndices.map((index) =>
        Float32Array.from(this.weight(index).read().dataSync() as Float32Array),
      );
      return {
        type: 'gradients',
        id: message.id,
        loss: loss[0] ?? 0,
        correct: correct[0] ?? 0,
        states,
        tensors: 0,
      };
    } finally {
      tf.dispose([inputs, targets]);
      if (result) {
        tf.dispose([result.loss, result.correct, result.globalNorm, ...result.gradients]);
      }
    }
  }
}

try {
  const create = await importBackboneFactory(module);
  const replica = new Replica(await create(data as never));
  // One step at a time: the main thread sends the next step only after this one's answer.
  port.on('message', async (message: StepMessage) => {
    try {
      const answer = await replica.step(message);
      if (answer.type === 'gradients') {
        answer.tensors = tf.memory().numTensors;
        post(
          answer,
          answer.states.map((values) => values.buffer as ArrayBuffer),
        );
      }
    } catch (error) {
      post(workerErrorMessage(error, message.id));
    }
  });
  post({ type: 'ready', backend: tf.getBackend(), tensors: tf.memory().numTensors });
} catch (error) {
  post(workerErrorMessage(error));
}
