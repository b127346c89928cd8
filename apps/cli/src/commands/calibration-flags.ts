import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { calibrationMethods } from '@graft/onnx/node';
import { parseChoice, parseInteger } from '../config/parse-values.js';
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
    /** `--calibration-method`. */
    calibrationMethod?: string;
  },
  /** The run directory, when exporting a run. */
  runRoot: string | undefined,
  /** `--quantize` with `--format onnx`; calibration flags mean something only with `int8`. */
  quantize: string | undefined,
): OnnxCalibrationOptions {
  const given = Object.entries({
    '--calibration-images': flags.calibrationImages,
    '--calibration-data': flags.calibrationData,
    '--calibration-seed': flags.calibrationSeed,
    '--calibration-method': flags.calibrationMethod,
  }).find(([, value]) => value !== undefined);
  if (given !== undefined && quantize !== 'int8') {
    throw new InvalidArgumentError({
      argument: given[0],
      value: given[1],
      expected: `calibrates activations, so it needs --format onnx --quantize int8 (got --quantize ${quantize ?? '(none)'})`,
    });
  }
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
    ...(flags.calibrationMethod === undefined
      ? {}
      : {
          method: parseChoice('--calibration-method', flags.calibrationMethod, calibrationMethods),
        }),
  };
}
