import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { parseSplitManifest, type SplitManifest } from '../splits/split-manifest.js';
import { FileImageDataset, type ImagePipelineOptions } from './file-image-dataset.js';
import { relativePath } from './scan-image-folder.js';

/** Options of {@link createSplitManifest}. */
export interface CreateSplitManifestOptions {
  /** The dataset the indices refer to. */
  dataset: FileImageDataset;
  /** Indices of each split, by name (e.g. `stratifiedSplit(...).splits` with named fractions). */
  splits: Readonly<Record<string, readonly number[]>>;
  /** Folder the paths are stored relative to (usually the image folder's root). */
  root: string;
  /** Seed used, recorded for reference. */
  seed?: number;
}

/** Builds a manifest of the files and labels of each split. */
export function createSplitManifest(options: CreateSplitManifestOptions): SplitManifest {
  const root = resolve(options.root);
  const splits: SplitManifest['splits'] = {};
  for (const [name, indices] of Object.entries(options.splits)) {
    splits[name] = indices.map((index) => {
      const file = options.dataset.files[index];
      if (file === undefined) {
        throw new InvalidArgumentError({
          argument: `splits.${name}`,
          value: index,
          expected: `must hold indices in [0, ${options.dataset.size - 1}]`,
        });
      }
      return { path: relativePath(root, file.path), label: file.label };
    });
  }
  return {
    format: 'graft-split-manifest',
    version: 1,
    root,
    classNames: [...options.dataset.classNames],
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    splits,
  };
}

/** Writes a manifest as JSON, atomically. */
export async function saveSplitManifest(path: string, manifest: SplitManifest): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads and validates a manifest written by {@link saveSplitManifest}. */
export async function loadSplitManifest(path: string): Promise<SplitManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `cannot read split manifest (${(error as Error).message})`,
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `invalid JSON (${(error as Error).message})`,
      cause: error,
    });
  }
  return parseSplitManifest(value, path);
}

/** Options of {@link datasetsFromManifest}. */
export interface DatasetsFromManifestOptions extends ImagePipelineOptions {
  /** The manifest. */
  manifest: SplitManifest;
  /** Folder to resolve relative paths against instead of `manifest.root` (the data moved). */
  root?: string;
}

/** One {@link FileImageDataset} per split of a manifest, with exactly its files and labels. */
export function datasetsFromManifest(
  options: DatasetsFromManifestOptions,
): Record<string, FileImageDataset> {
  const { manifest, root: rootOverride, ...pipeline } = options;
  const root = resolve(rootOverride ?? manifest.root);
  const badFiles: FileImageDataset['badFiles'] = [];
  return Object.fromEntries(
    Object.entries(manifest.splits).map(([name, entries]) => [
      name,
      new FileImageDataset({
        ...pipeline,
        classNames: manifest.classNames,
        badFiles,
        files: entries.map((entry) => ({
          path: isAbsolute(entry.path) ? entry.path : join(root, entry.path),
          label: entry.label,
        })),
      }),
    ]),
  );
}
