import { type OnnxRuntimeProbe, probeOnnxRuntime, resolveFeatureEngine } from '@graft/onnx/node';
import { defaultBackboneName } from '../pipeline/defaults.js';
import { createTrainingBackbone } from '../pipeline/training-backbone.js';

/** What `graft doctor` says about the feature-extraction engines. */
export interface EngineReport {
  /** Whether onnxruntime-node loads (version, execution providers) or why not. */
  onnxRuntime: OnnxRuntimeProbe;
  /** What `--engine auto` picks for the default backbone's frozen extraction, and why. */
  auto: { backbone: string; engine?: 'onnxruntime' | 'tfjs'; reason: string };
}

/**
 * Probes onnxruntime-node and asks the engine resolver about the default backbone, built with
 * random weights (its architecture decides whether it converts; no weights are loaded or
 * downloaded). Needs an initialised tfjs backend. Never throws.
 */
export async function collectEngineReport(): Promise<EngineReport> {
  const onnxRuntime = await probeOnnxRuntime();
  const backboneName = defaultBackboneName;
  try {
    const backbone = await createTrainingBackbone({
      backbone: backboneName,
      weights: 'none',
      seed: 0,
    });
    try {
      const choice = await resolveFeatureEngine({ requested: 'auto', backbone });
      return { onnxRuntime, auto: { backbone: backboneName, ...choice } };
    } finally {
      backbone.dispose();
    }
  } catch (error) {
    return {
      onnxRuntime,
      auto: {
        backbone: backboneName,
        reason: `could not build ${backboneName}: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
}

/** The report as indented lines. */
export function formatEngineReport(report: EngineReport): string[] {
  const probe = report.onnxRuntime;
  const providers = probe.loaded
    ? probe.providers
        .map((provider) => `${provider.name}${provider.bundled ? '' : ' (libraries not bundled)'}`)
        .join(', ')
    : '';
  return [
    probe.loaded
      ? `onnxruntime-node ${probe.version} loads; execution providers: ${providers}`
      : `onnxruntime-node does not load: ${probe.reason}`,
    `auto picks ${report.auto.engine ?? '(unknown)'} for ${report.auto.backbone} frozen extraction: ${report.auto.reason}`,
  ];
}
