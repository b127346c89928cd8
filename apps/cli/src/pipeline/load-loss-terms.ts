import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import {
  AssetNotFoundError,
  type ImageDataset,
  InvalidArgumentError,
  type JsonObject,
  type Preprocessing,
} from '@graft/core';
import { FileImageDataset, imageExtensions } from '@graft/datasets/node';
import { type Classifier, coral, distillation, type LossTerm } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';

/** Loss-term flags of `graft train` (CORAL) and `graft distill` (teacher). */
export interface LossTermSettings {
  /** `--teacher`: a run directory (`model/` inside) or a model directory with metadata.json. */
  teacher?: string;
  /** `--temperature`: distillation temperature. */
  temperature?: number;
  /** `--alpha`: weight of the soft term. */
  alpha?: number;
  /** `--coral-target`: folder of unlabelled target-domain images (any layout). */
  coralTarget?: string;
  /** `--coral-weight`: weight of the CORAL term. */
  coralWeight?: number;
}

/** Parses a numeric flag, naming it when it is not a number. */
export function parseNumberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new InvalidArgumentError({ argument: flag, value: text, expected: 'must be a number' });
  }
  return value;
}

/**
 * Builds the run's loss terms: the teacher classifier loaded from its run directory and/or the
 * CORAL target images opened at the student backbone's input size. The caller calls `dispose`.
 */
export async function loadLossTerms(options: {
  /** The settings. */
  settings: LossTermSettings;
  /** The student backbone's preprocessing (target images are read at its size and policy). */
  preprocessing: Preprocessing;
}): Promise<{ terms: LossTerm[]; config: JsonObject; dispose(): void }> {
  const { settings } = options;
  const terms: LossTerm[] = [];
  let teacher: Classifier | undefined;
  if (settings.teacher !== undefined) {
    teacher = await loadClassifier(await teacherModelDirectory(settings.teacher));
    terms.push(
      distillation({
        teacher,
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.alpha !== undefined ? { alpha: settings.alpha } : {}),
      }),
    );
  } else if (settings.temperature !== undefined || settings.alpha !== undefined) {
    throw new InvalidArgumentError({
      argument: '--teacher',
      value: undefined,
      expected: 'is needed with --temperature or --alpha',
    });
  }
  if (settings.coralTarget !== undefined) {
    terms.push(
      coral({
        targetData: await openUnlabelledImages(settings.coralTarget, options.preprocessing),
        ...(settings.coralWeight !== undefined ? { weight: settings.coralWeight } : {}),
      }),
    );
  } else if (settings.coralWeight !== undefined) {
    throw new InvalidArgumentError({
      argument: '--coral-target',
      value: undefined,
      expected: 'is needed with --coral-weight',
    });
  }
  return {
    terms,
    config: {
      lossTerms: terms.map((term) => term.getConfig()),
      ...(settings.teacher !== undefined ? { teacherRun: resolve(settings.teacher) } : {}),
      ...(settings.coralTarget !== undefined ? { coralTarget: resolve(settings.coralTarget) } : {}),
    },
    dispose: () => teacher?.dispose(),
  };
}

/** `<run>/model` when it holds metadata.json, else the directory itself. */
async function teacherModelDirectory(directory: string): Promise<string> {
  for (const candidate of [join(directory, 'model'), directory]) {
    const found = await stat(join(candidate, 'metadata.json')).catch(() => undefined);
    if (found?.isFile()) return candidate;
  }
  throw new AssetNotFoundError({
    fileName: 'metadata.json of the teacher model',
    searched: [join(directory, 'model', 'metadata.json'), join(directory, 'metadata.json')],
    putItAt: join(directory, 'model'),
    reason: '--teacher must be a run directory graft train wrote (it has model/metadata.json)',
  });
}

/**
 * Every image under `root` (any depth, labels ignored) as one unlabelled dataset at the
 * backbone's input size and resize policy, in sorted path order.
 */
export async function openUnlabelledImages(
  root: string,
  preprocessing: Preprocessing,
): Promise<ImageDataset> {
  const paths: string[] = [];
  const walk = async (directory: string) => {
    const entries = await readdir(directory, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (imageExtensions.includes(extname(entry.name).toLowerCase())) paths.push(path);
    }
  };
  const absolute = resolve(root);
  await walk(absolute).catch((error: unknown) => {
    throw new InvalidArgumentError({
      argument: '--coral-target',
      value: root,
      expected: 'must be a readable folder of images',
      cause: error,
    });
  });
  if (paths.length < 2) {
    throw new InvalidArgumentError({
      argument: '--coral-target',
      value: root,
      expected: `must hold at least 2 images (${imageExtensions.join(', ')}); found ${paths.length}`,
    });
  }
  return new FileImageDataset({
    files: paths.map((path) => ({ path, label: 0 })),
    classNames: ['unlabelled'],
    imageSize: preprocessing.inputSize,
    resize: preprocessing.resize,
    onBadImage: 'skip',
  });
}
