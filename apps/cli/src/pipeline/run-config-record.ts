import type { WeightProvenance } from '@graft/backbones';
import type { TrainConfig } from '../config/train-config.js';
import { type RunDirectory, writeJson } from '../run/run-directory.js';
import { toStorageError } from '../run/storage-errors.js';
import { version } from '../version.js';
import { isOnnxGradientComputer } from './fine-tuning-engine.js';
import type { LossTermSettings } from './load-loss-terms.js';
import { isCifarName } from './load-training-data.js';
import { lossTermsFromRun, pathFromRun } from './run-relative-paths.js';
import type { StartingRunEngines } from './start-run-engines.js';
import type { TrainingBackboneSpec } from './training-backbone.js';

/** What config.json records of a new run: enough for `graft resume` to continue it as it was. */
export function runConfigRecord(settings: {
  /** Validated options. */
  config: TrainConfig;
  /** The chosen tfjs backend. */
  backend: string;
  /** The new run directory. */
  run: RunDirectory;
  /** The backbone and weights as resolved (files absolute). */
  backboneSpec: TrainingBackboneSpec;
  /** `--teacher` / `--coral-target` settings. */
  lossTerms: LossTermSettings | undefined;
  /** The weights actually loaded. */
  weights: WeightProvenance | null;
}): Record<string, unknown> {
  const { config, run, backboneSpec, lossTerms } = settings;
  return {
    graftVersion: version,
    createdAt: new Date().toISOString(),
    ...config,
    // Kernels differ in float rounding: `graft resume` continues on the same backend.
    backend: settings.backend,
    // Relative to the run directory (graft resume resolves it there), so config.json names
    // no absolute local data path and a run moved together with its data still resumes.
    data: isCifarName(config.data) ? config.data : pathFromRun(run, config.data),
    // Backbone and weights files stay absolute: resume checks their sha256.
    backbone: backboneSpec.backbone,
    weights: backboneSpec.weights,
    out: run.root,
    ...(lossTerms ? { lossTerms: lossTermsFromRun(run, lossTerms) } : {}),
    // What was actually loaded (path, format, sha256; source and licence only when known).
    backboneWeights: settings.weights,
  };
}

/**
 * Rewrites config.json with the engine that computes frozen features (they differ by ~1e-5
 * between engines), so `graft resume` continues on it rather than resolving `auto` again.
 * Fine-tuning steps on ONNX Runtime count too: a resumed run must take the same steps.
 */
export async function recordRunEngine(
  run: RunDirectory,
  configRecord: Record<string, unknown>,
  engines: StartingRunEngines,
): Promise<void> {
  const workers = await engines.features;
  const stepsOnOnnx = isOnnxGradientComputer(await engines.gradients.catch(() => undefined));
  const engine = workers?.engine?.name === 'onnxruntime' || stepsOnOnnx ? 'onnx' : 'tfjs';
  await writeJson(run.configFile, { ...configRecord, engine }).catch((error: unknown) => {
    throw toStorageError(error, run.root);
  });
}
