// Worker entry of `openSessionThread`: one ONNX Runtime session whose synchronous `run` blocks
// this thread instead of the caller's (which meanwhile decodes and resizes the next batches).
import { parentPort } from 'node:worker_threads';
import { ownedArray } from '@graft/core/threads';
import type { InferenceSession } from 'onnxruntime-node';
import { loadOnnxRuntime, probeOnnxRuntime } from './load-onnx-runtime.js';
import { normalizingRun } from './normalizing-run.js';
import type { SessionReply, SessionRequest } from './onnx-session-protocol.js';
import { runFirstOutput } from './run-first-output.js';
import { runInMicroBatches } from './run-in-micro-batches.js';

const port = parentPort;
if (port === null) throw new Error('onnx-session-thread runs in a worker thread');
let session: InferenceSession | undefined;
const reply = (message: SessionReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);
// Loaded now, not at 'open': a thread started ahead of its graph (startSessionThread) has it
// ready by then, and its caller learns from this whether it loads without importing it too.
probeOnnxRuntime().then((probe) => reply({ type: 'probed', probe }));

port.on('message', async (request: SessionRequest) => {
  try {
    if (request.type === 'open') {
      const runtime = await loadOnnxRuntime();
      session = await runtime.InferenceSession.create(request.graph, request.options);
      reply({
        type: 'opened',
        inputName: session.inputNames[0] as string,
        outputName: session.outputNames[0] as string,
      });
    } else if (request.type === 'run' || request.type === 'run-bytes') {
      const runtime = await loadOnnxRuntime();
      const open = session as InferenceSession;
      const runFloats = (pixels: Float32Array, shape: readonly number[]) =>
        runFirstOutput(runtime, open, pixels, shape);
      const { shape, microBatch } = request;
      const output =
        request.type === 'run-bytes'
          ? await runInMicroBatches({
              pixels: request.pixels,
              shape,
              microBatch,
              run: normalizingRun(runFloats, request.preprocessing),
            })
          : await runInMicroBatches({ pixels: request.pixels, shape, microBatch, run: runFloats });
      if (output.outputType !== 'float32' || output.values === undefined) {
        reply({ type: 'ran', id: request.id, outputType: output.outputType, dims: [] });
        return;
      }
      const values = ownedArray(output.values);
      reply({ type: 'ran', id: request.id, outputType: 'float32', dims: output.dims, values }, [
        values.buffer as ArrayBuffer,
      ]);
    } else {
      await session?.release();
      session = undefined;
      reply({ type: 'released' });
    }
  } catch (error) {
    reply({
      type: 'failed',
      ...('id' in request ? { id: request.id } : {}),
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
