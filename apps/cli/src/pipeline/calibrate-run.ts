import { join } from 'node:path';
import type { Backbone, Head, ImageDataset } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import {
  type CalibrationResult,
  calibrateHead,
  type FeatureComputer,
  type FeatureStore,
} from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import { renderReliabilityDiagram } from '../plots/reliability-diagram.js';

/** What report.json records under `calibration`. */
export type CalibrationReport = {
  /** Whether the temperature was applied to the saved model. */
  applied: boolean;
  /** Why not, when not. */
  reason?: string;
  /** The fitted temperature (1 when not applied). */
  temperature: number;
  /** Validation images it was fitted on. */
  images: number;
  /** ECE (15 bins) on them before and after. */
  expectedCalibrationError: { before: number; after: number };
  /** Mean NLL on them before and after. */
  negativeLogLikelihood: { before: number; after: number };
};

/**
 * `graft train --calibrate` (the default when there is a validation split): temperature
 * scaling of the trained head on the validation split, after training and before the test
 * evaluation and the final save, so the saved model, its exports and the test report are
 * calibrated. Returns undefined when it does not apply (turned off, no validation split,
 * a multi-label head), saying why when the user could expect otherwise.
 */
export async function calibrateRun(options: {
  /** `config.calibrate`. */
  enabled: boolean;
  /** The trained backbone. */
  backbone: Backbone;
  /** The trained head; its output layer is rescaled in place. */
  head: Head;
  /** The validation split. */
  validation: ImageDataset | undefined;
  /** Runs the backbone elsewhere; pass it only while it holds the trained backbone's weights. */
  featureComputer?: FeatureComputer;
  /** The run's feature store: validation features the run computed are read back, not recomputed. */
  featureStore?: FeatureStore;
  /** Messages. */
  output: CommandOutput;
}): Promise<CalibrationResult | undefined> {
  const { output } = options;
  if (!options.enabled) return undefined;
  if (options.validation === undefined || options.validation.size === 0) {
    output.verbose('calibration: skipped (no validation split to fit a temperature on)');
    return undefined;
  }
  if (options.head.activation !== 'softmax') {
    output.info('calibration: skipped (temperature scaling is for single-label softmax heads)');
    return undefined;
  }
  const result = await calibrateHead({
    backbone: options.backbone,
    head: options.head,
    data: options.validation,
    ...(options.featureComputer ? { featureComputer: options.featureComputer } : {}),
    ...(options.featureStore ? { store: options.featureStore } : {}),
  });
  const { before, after } = result.expectedCalibrationError;
  output.info(
    result.applied
      ? `calibration: temperature ${result.fit.temperature.toFixed(3)} on ${options.validation.size} val images; ECE (15 bins) ${before.toFixed(4)} → ${after.toFixed(4)}, NLL ${result.fit.negativeLogLikelihood.before.toFixed(4)} → ${result.fit.negativeLogLikelihood.after.toFixed(4)}`
      : `calibration: not applied: ${result.reason}`,
  );
  return result;
}

/** report.json's `calibration` entry. */
export function calibrationReport(result: CalibrationResult, images: number): CalibrationReport {
  return {
    applied: result.applied,
    ...(result.reason ? { reason: result.reason } : {}),
    temperature: result.applied ? result.fit.temperature : 1,
    images,
    expectedCalibrationError: result.expectedCalibrationError,
    negativeLogLikelihood: result.applied
      ? result.fit.negativeLogLikelihood
      : {
          before: result.fit.negativeLogLikelihood.before,
          after: result.fit.negativeLogLikelihood.before,
        },
  };
}

/**
 * Writes `reliability.svg` (before and after) into the run's plots directory; returns its path.
 * `svg`: the diagram {@link renderCalibrationDiagram} already started rendering.
 */
export async function writeReliabilityDiagram(
  directory: string,
  result: CalibrationResult,
  svg: Promise<string> = renderCalibrationDiagram(result),
): Promise<string> {
  const file = join(directory, 'reliability.svg');
  await writeFileAtomic(file, await svg);
  return file;
}

/** The reliability diagram (before and after) of `result`, rendered to an SVG document. */
export function renderCalibrationDiagram(result: CalibrationResult): Promise<string> {
  const temperature = result.applied ? result.fit.temperature : 1;
  return renderReliabilityDiagram(
    [
      {
        label: 'before (T = 1)',
        bins: result.reliability.before,
        expectedCalibrationError: result.expectedCalibrationError.before,
      },
      ...(result.applied
        ? [
            {
              label: `after (T = ${temperature.toFixed(2)})`,
              bins: result.reliability.after,
              expectedCalibrationError: result.expectedCalibrationError.after,
            },
          ]
        : []),
    ],
    'reliability on the validation split (15 bins)',
  );
}
