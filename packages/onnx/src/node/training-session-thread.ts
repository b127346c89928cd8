// Worker entry of `openTrainingSessionThread`: the forward and backward ONNX models of fine-tuning
// steps, each run blocking this thread; a forward pass's saved activations stay here until its
// backward pass, so they never cross threads.
import { parentPort } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxRuntime } from './load-onnx-runtime.js';
import type {
  ThreadTensor,
  TrainingSessionReply,
  TrainingSessionRequest,
} from './training-session-protocol.js';

const port = parentPort;
if (port === null) throw new Error('training-session-thread runs in a worker thread');
const sessions = new Map<string, { forward: InferenceSession; backward: InferenceSession }>();
const passes = new Map<number, Record<string, Tensor>>();
let nextPass = 0;

const send = (message: TrainingSessionReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

function session(key: string) {
  const found = sessions.get(key);
  if (found === undefined) throw new Error(`no training graphs are open under ${key}`);
  return found;
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

/** Copies out float32 outputs (their own buffers, transferred back). */
function collect(outputs: Record<string, Tensor>, names: readonly string[]) {
  const result: Record<string, ThreadTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of names) {
    const output = outputs[name];
    if (output === undefined) throw new Error(`the ONNX model returned no ${name}`);
    const data = output.data as Float32Array;
    const own =
      data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    result[name] = { data: own, dims: [...output.dims] };
    transfer.push(own.buffer as ArrayBuffer);
  }
  return { result, transfer };
}

port.on('message', async (request: TrainingSessionRequest) => {
  try {
    if (request.type === 'open') {
      const runtime = await loadOnnxRuntime();
      const [forward, backward] = await Promise.all([
        runtime.InferenceSession.create(request.forward, request.options),
        runtime.InferenceSession.create(request.backward, request.options),
      ]);
      sessions.set(request.key, { forward, backward });
      send({ type: 'done', id: request.id });
    } else if (request.type === 'forward') {
      const outputs = await session(request.key).forward.run(await tensors(request.feeds));
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
      const backward = session(request.key).backward;
      const outputs = await backward.run({ ...(await tensors(request.feeds)), ...saved });
      const { result, transfer } = collect(outputs, backward.outputNames);
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
  } catch (error) {
    send({
      type: 'failed',
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
