import { resolve } from 'node:path';
import { parseInteger } from '../config/parse-values.js';
import type { OnnxCalibrationOptions } from './export-onnx.js';

/** `graft export`'s `--calibration-*` flags as {@link OnnxCalibrationOptions}, validated. */
export function calibrationFlags(
  flags: {
    /** `--calibration-images`. */
    calibrationImages?: string;
    /** `--calibration-data`. */
    calibrationData?: string;
    /** `--calibration-seed`. */
    calibrationSeed?: string;
  },
  /** The run directory, when exporting a run. */
  runRoot: string | undefined,
): OnnxCalibrationOptions {
  return {
    ...(runRoot === undefined ? {} : { runRoot }),
    ...(flags.calibrationData === undefined
      ? {}
      : { calibrationData: resolve(flags.calibrationData) }),
    ...(flags.calibrationImages === undefined
      ? {}
      : { count: parseInteger('--calibration-images', flags.calibrationImages, { minimum: 1 }) }),
    ...(flags.calibrationSeed === undefined
      ? {}
      : { seed: parseInteger('--calibration-seed', flags.calibrationSeed, { minimum: 0 }) }),
  };
}
