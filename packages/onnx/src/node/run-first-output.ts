import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxRuntime } from './load-onnx-runtime.js';
import type { SessionOutput } from './run-in-micro-batches.js';

/** One inference of `session` on float32 `pixels` of `shape`: its first output. */
export async function runFirstOutput(
  runtime: OnnxRuntime,
  session: InferenceSession,
  pixels: Float32Array,
  shape: readonly number[],
): Promise<SessionOutput> {
  const outputs = await session.run({
    [session.inputNames[0] as string]: new runtime.Tensor('float32', pixels, [...shape]),
  });
  const output = outputs[session.outputNames[0] as string];
  return {
    outputType: String(output?.type),
    dims: output?.dims ?? [],
    ...(output?.type === 'float32' ? { values: output.data as Float32Array } : {}),
  };
}
