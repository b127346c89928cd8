import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { parseText } from './parse-values.js';

/** Default of `--label-delimiter`: labels in a CSV cell are separated by spaces (fastai's way). */
export const defaultLabelDelimiter = ' ';
/** Default of `--threshold`: a label applies when its sigmoid probability is >= 0.5. */
export const defaultThreshold = 0.5;

/** `--labels`, `--label-delimiter` and `--threshold`, validated. */
export interface MultiLabelOptions {
  /** A multi-label CSV (absolute), whose image paths are relative to `<data>`; undefined: none. */
  labels: string | undefined;
  /** Separator of the labels inside one CSV cell. */
  labelDelimiter: string;
  /** Decision threshold of a multi-label model, in (0, 1). */
  threshold: number;
}

/** Parses the multi-label flags (strings from commander, or values from a config file). */
export function parseMultiLabelOptions(values: {
  labels?: unknown;
  labelDelimiter?: unknown;
  threshold?: unknown;
}): MultiLabelOptions {
  const labelDelimiter =
    values.labelDelimiter === undefined ? defaultLabelDelimiter : String(values.labelDelimiter);
  if (labelDelimiter.length === 0) {
    throw new InvalidArgumentError({
      argument: '--label-delimiter',
      value: labelDelimiter,
      expected: "must be a non-empty string, e.g. ' ', ';' or '|'",
    });
  }
  return {
    labels: values.labels === undefined ? undefined : resolve(parseText('--labels', values.labels)),
    labelDelimiter,
    threshold: values.threshold === undefined ? defaultThreshold : parseThreshold(values.threshold),
  };
}

/** `--threshold`: a number strictly between 0 and 1. */
export function parseThreshold(value: unknown): number {
  const threshold = typeof value === 'number' ? value : Number(String(value).trim());
  if (
    !(Number.isFinite(threshold) && threshold > 0 && threshold < 1) ||
    String(value).trim() === ''
  ) {
    throw new InvalidArgumentError({
      argument: '--threshold',
      value,
      expected: 'must be a number in (0, 1), e.g. 0.5',
    });
  }
  return threshold;
}

/** True when `<data>` names a CSV file (multi-label labels) rather than an image folder. */
export function isCsvPath(path: string): boolean {
  return /\.csv$/i.test(path);
}
