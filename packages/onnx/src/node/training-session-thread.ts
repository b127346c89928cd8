// Worker entry of `openTrainingSessionThread`: the forward and backward ONNX models of fine-tuning
// steps, each run blocking this thread; a forward pass's saved activations stay here until its
// backward pass, so they never cross threads.
import { parentPort } from 'node:worker_threads';
import { ownedArray } from '@graft/core/threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxRuntime } from './load-onnx-runtime.js';
import type {
  ThreadTensor,
  TrainingSessionReply,
  TrainingSessionRequest,
  WeightSlot,
  WeightSnapshot,
} from './training-session-protocol.js';

const port = parentPort;
if (port === null) throw new Error('training-session-thread runs in a worker thread');

/** One pair of models, with this thread's copy of the weights they read. */
interface OpenModels {
  forward: InferenceSession;
  backward: InferenceSession;
  slots: readonly WeightSlot[];
  /** Weight tensors over this thread's own memory, updated in place from snapshots. */
  weights: Record<string, Tensor>;
  /** Snapshot version of each slot's copy (0: never copied). */
  copied: Uint32Array;
}

const sessions = new Map<string, OpenModels>();
const passes = new Map<number, Record<string, Tensor>>();
let nextPass = 0;

const send = (message: TrainingSessionReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

function session(key: string): OpenModels {
  const found = sessions.get(key);
  if (found === undefined) throw new Error(`no training graphs are open under ${key}`);
  return found;
}

/** Copies the slots that changed since this thread's last copy (runs never overlap here). */
function updateWeights(models: OpenModels, snapshot: WeightSnapshot): Record<string, Tensor> {
  models.slots.forEach((slot, index) => {
    const version = snapshot.versions[index] as number;
    if (version === models.copied[index]) return;
    const target = models.weights[slot.name]?.data as Float32Array;
    target.set(new Float32Array(snapshot.buffer, slot.offset * 4, slot.length));
    models.copied[index] = version;
  });
  return models.weights;
}

async function tensors(feeds: Record<string, ThreadTensor>): Promise<Record<string, Tensor>> {
  const runtime = await loadOnnxRuntime();
  return Object.fromEntries(
    Object.entries(feeds).map(([name, tensor]) => [
      name,
      new runtime.Tensor('float32', tensor.data, [...tensor.dims]),
    ]),
  );
}

/** The inputs `target` declares, from `available`. */
function inputsOf(target: InferenceSession, available: Record<string, Tensor>) {
  return Object.fromEntries(target.inputNames.map((name) => [name, available[name] as Tensor]));
}

/** Copies out float32 outputs (their own buffers, transferred back). */
function collect(outputs: Record<string, Tensor>, names: readonly string[]) {
  const result: Record<string, ThreadTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of names) {
    const output = outputs[name];
    if (output === undefined) throw new Error(`the ONNX model returned no ${name}`);
    const data = output.data as Float32Array;
    const own = ownedArray(data);
    result[name] = { data: own, dims: [...output.dims] };
    transfer.push(own.buffer as ArrayBuffer);
  }
  return { result, transfer };
}

async function handle(request: TrainingSessionRequest): Promise<void> {
  if (request.type === 'open') {
    const runtime = await loadOnnxRuntime();
    const [forward, backward] = await Promise.all([
      runtime.InferenceSession.create(request.forward, request.options),
      runtime.InferenceSession.create(request.backward, request.options),
    ]);
    const weights = Object.fromEntries(
      request.weights.map((slot) => [
        slot.name,
        new runtime.Tensor('float32', new Float32Array(slot.length), [...slot.dims]),
      ]),
    );
    sessions.set(request.key, {
      forward,
      backward,
      slots: request.weights,
      weights,
      copied: new Uint32Array(request.weights.length),
    });
    send({ type: 'done', id: request.id });
  } else if (request.type === 'forward') {
    const models = session(request.key);
    const weights = updateWeights(models, request.weights);
    const feeds = { ...weights, ...(await tensors(request.feeds)) };
    const outputs = await models.forward.run(inputsOf(models.forward, feeds));
    const pass = nextPass++;
    passes.set(
      pass,
      Object.fromEntries(request.saved.map((name) => [name, outputs[name] as Tensor])),
    );
    const { result, transfer } = collect(outputs, request.returned);
    result.pass = { data: Float32Array.of(pass), dims: [1] };
    send({ type: 'done', id: request.id, outputs: result }, transfer);
  } else if (request.type === 'backward') {
    const saved = passes.get(request.pass);
    if (saved === undefined) throw new Error(`forward pass ${request.pass} is not kept here`);
    passes.delete(request.pass);
    const models = session(request.key);
    const weights = updateWeights(models, request.weights);
    const feeds = { ...weights, ...(await tensors(request.feeds)), ...saved };
    const outputs = await models.backward.run(inputsOf(models.backward, feeds));
    const { result, transfer } = collect(outputs, models.backward.outputNames);
    send({ type: 'done', id: request.id, outputs: result }, transfer);
  } else if (request.type === 'release') {
    passes.delete(request.pass);
    send({ type: 'done', id: request.id });
  } else if (request.type === 'drop') {
    const found = sessions.get(request.key);
    sessions.delete(request.key);
    await Promise.all([found?.forward.release(), found?.backward.release()]);
    send({ type: 'done', id: request.id });
  } else {
    passes.clear();
    await Promise.all(
      [...sessions.values()].flatMap((entry) => [
        entry.forward.release(),
        entry.backward.release(),
      ]),
    );
    sessions.clear();
    send({ type: 'done', id: request.id });
  }
}

// One request at a time: the weight tensors are updated in place, so runs must not overlap (and
// overlapping runs would only share this thread's cores).
let queue = Promise.resolve();
port.on('message', (request: TrainingSessionRequest) => {
  queue = queue.then(() =>
    handle(request).catch((error: unknown) =>
      send({
        type: 'failed',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      }),
    ),
  );
});
