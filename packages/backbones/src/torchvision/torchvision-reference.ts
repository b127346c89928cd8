// Test support (not exported): torchvision reference outputs made at test time by
// tooling/fixtures/torchvision-backbones.py with Debian's python3-torch / python3-torchvision.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Python with torch and torchvision (Debian's, not a venv's). */
export const referencePython = process.env.GRAFT_PYTHON ?? '/usr/bin/python3';

/** Whether {@link referencePython} imports torch and torchvision. */
export function hasTorchvision(): boolean {
  try {
    execFileSync(referencePython, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The outputs the script wrote, read back. */
export interface TorchvisionReference {
  directory: string;
  /** `[N, 3, H, W]` float32, NCHW. */
  input: { values: Float32Array; shape: [number, number, number, number] };
  /** Per architecture: safetensors path, expected logits and pooled features. */
  models: Record<
    string,
    {
      weights: string;
      checkpoint: string;
      logits: Float32Array;
      features: Float32Array;
      /** What the Graft backbone outputs (ConvNeXt: features after the classifier's LayerNorm). */
      backbone: Float32Array;
    }
  >;
}

function readFloat32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/** Runs the reference script for `architectures` into a new temporary folder and reads the result. */
export function makeTorchvisionReference(
  architectures: readonly string[],
  options: { size?: number; checkpoints?: boolean } = {},
): TorchvisionReference {
  const directory = mkdtempSync(join(tmpdir(), 'graft-torchvision-'));
  const script = join(
    dirname(fileURLToPath(import.meta.url)),
    '../../../../tooling/fixtures/torchvision-backbones.py',
  );
  execFileSync(referencePython, [script, directory, ...architectures], {
    stdio: 'inherit',
    env: {
      ...process.env,
      GRAFT_FIXTURE_SIZE: String(options.size ?? 224),
      GRAFT_FIXTURE_CHECKPOINT: options.checkpoints === false ? '0' : '1',
    },
  });
  const description = JSON.parse(readFileSync(join(directory, 'fixtures.json'), 'utf8')) as {
    input: { file: string; shape: [number, number, number, number] };
    models: Record<
      string,
      {
        weights: string;
        checkpoint: string;
        logits: { file: string };
        features: { file: string };
        backbone: { file: string };
      }
    >;
  };
  const models: TorchvisionReference['models'] = {};
  for (const [name, model] of Object.entries(description.models)) {
    models[name] = {
      weights: join(directory, model.weights),
      checkpoint: join(directory, model.checkpoint),
      logits: readFloat32(join(directory, model.logits.file)),
      features: readFloat32(join(directory, model.features.file)),
      backbone: readFloat32(join(directory, model.backbone.file)),
    };
  }
  return {
    directory,
    input: {
      values: readFloat32(join(directory, description.input.file)),
      shape: description.input.shape,
    },
    models,
  };
}

/**
 * Largest |actual − expected|, largest relative error (over |expected| > 1e-2), the largest share
 * of the allowed error `atol + rtol·|expected|` used, and how many values exceed it.
 */
export function compareOutputs(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: { atol: number; rtol: number },
) {
  let maxAbs = 0;
  let maxRel = 0;
  let budgetUsed = 0;
  let violations = actual.length === expected.length ? 0 : Number.POSITIVE_INFINITY;
  for (let index = 0; index < expected.length; index++) {
    const reference = expected[index] as number;
    const difference = Math.abs((actual[index] as number) - reference);
    maxAbs = Math.max(maxAbs, difference);
    if (Math.abs(reference) > 1e-2) maxRel = Math.max(maxRel, difference / Math.abs(reference));
    const allowed = tolerance.atol + tolerance.rtol * Math.abs(reference);
    budgetUsed = Math.max(budgetUsed, difference / allowed);
    if (!(difference <= allowed)) violations++;
  }
  return { maxAbs, maxRel, budgetUsed, violations };
}
