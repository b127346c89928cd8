import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GraftError, InvalidArgumentError, type Preprocessing } from '@graft/core';
import type { TrainConfig } from '../config/train-config.js';
import { buildAugmentation } from './build-augmentation.js';
import type { LossTermSettings } from './load-loss-terms.js';
import { multiLabelSourceOf } from './load-multi-label-data.js';
import { isCifarName, loadTrainingData } from './load-training-data.js';

/** Options of {@link checkTrainingInputs}. */
export interface CheckTrainingInputsOptions {
  /** The validated options. */
  config: TrainConfig;
  /** The registered backbone's default preprocessing (its input size; nothing is loaded). */
  preprocessing: Preprocessing;
  /** Extra loss terms, whose folders are data paths too. */
  lossTerms?: LossTermSettings;
}

/**
 * Everything about the inputs of `graft train` that can be known without a backbone: the data
 * folder exists and has a usable layout, the split gives the parts it should (the same
 * `loadTrainingData` the run uses: folder listing and labels only, nothing decoded), `--augment`
 * builds at the backbone's input size, a `--coral-target` folder exists, and `--out` can be a
 * run directory. Runs before any weights load, worker starts or run-directory writes, so a typo
 * fails in well under a second and leaves nothing behind.
 */
export async function checkTrainingInputs(options: CheckTrainingInputsOptions): Promise<void> {
  const { config } = options;
  const multiLabel = multiLabelSourceOf(config);
  if (!isCifarName(config.data)) {
    // `<data>` may be a multi-label CSV itself (readMultiLabelCsv checks it below).
    if (!(multiLabel?.kind === 'csv' && multiLabel.csv === config.data)) {
      await checkFolder(
        '<data>',
        config.data,
        'a folder with train/ and val/, a folder of class folders (split by --split), a multi-label CSV, or cifar10 / cifar100',
      );
    }
    // Multi-label class folders are hashed here too (the second time is mostly page cache), so
    // single-label folders fail before any weights load or the run directory is made.
    await loadTrainingData({
      data: config.data,
      split: config.split,
      seed: config.seed,
      preprocessing: options.preprocessing,
      ...(config.splitManifest !== undefined ? { splitManifest: config.splitManifest } : {}),
      multiLabel,
    });
  }
  if (config.augment) {
    buildAugmentation(config.augment, { imageSize: options.preprocessing.inputSize });
  }
  if (options.lossTerms?.coralTarget !== undefined) {
    await checkFolder(
      '--coral-target',
      options.lossTerms.coralTarget,
      'a folder of unlabelled images',
    );
  }
  await checkOutput(config.out);
}

/** A missing folder is an input error (exit 3) naming the argument, the value and what is valid. */
async function checkFolder(argument: string, path: string, expected: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (found === undefined) {
    throw new GraftError({
      code: 'DATA',
      message: `${argument} ${path}: ${resolve(path)} not found (expected ${expected})`,
    });
  }
  if (!found.isDirectory()) {
    throw new GraftError({
      code: 'DATA',
      message: `${argument} ${path}: ${resolve(path)} is a file, not a folder (expected ${expected})`,
    });
  }
}

/** `--out` must be a folder or not exist yet, under a folder this process can write to. */
async function checkOutput(out: string): Promise<void> {
  const path = await checkOutputPath(out);
  await access(path, constants.W_OK).catch((error: unknown) => {
    throw new InvalidArgumentError({
      argument: '--out',
      value: out,
      expected: `must be writable; ${path} is not (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      cause: error,
    });
  });
}

/**
 * `--out` is a folder or does not exist yet, and no file stands where one of its parent folders
 * must be. Returns the nearest existing folder (where the run's folders will be created). Cheap:
 * `runTraining` calls it before taking the run's lock, which lives beside the run.
 */
export async function checkOutputPath(out: string): Promise<string> {
  let path = resolve(out);
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new InvalidArgumentError({
      argument: '--out',
      value: out,
      expected: `must be a run directory; ${path} is a file`,
    });
  }
  let current = existing;
  while (current === undefined && dirname(path) !== path) {
    path = dirname(path);
    current = await stat(path).catch(() => undefined);
  }
  if (current !== undefined && !current.isDirectory()) {
    throw new InvalidArgumentError({
      argument: '--out',
      value: out,
      expected: `must be a directory path; ${path} is a file`,
    });
  }
  return path;
}
