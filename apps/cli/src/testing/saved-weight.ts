import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The saved model's weight `name` (from model.json's manifest and weights.bin). */
export async function savedWeight(runDirectory: string, name: string): Promise<Float32Array> {
  const model = JSON.parse(await readFile(join(runDirectory, 'model', 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }>;
  };
  const bytes = await readFile(join(runDirectory, 'model', 'weights.bin'));
  let offset = 0;
  for (const entry of model.weightsManifest.flatMap((group) => group.weights)) {
    const length = entry.shape.reduce((product, size) => product * size, 1);
    if (entry.name.endsWith(name)) {
      return new Float32Array(
        bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + length * 4),
      );
    }
    offset += length * 4;
  }
  throw new Error(`no weight ${name} in ${runDirectory}`);
}

/** Largest absolute difference between two weight arrays of one shape. */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce(
    (largest, value, index) => Math.max(largest, Math.abs(value - (b[index] ?? 0))),
    0,
  );
}
