import { FileFormatError } from '@graft/core';

/** One file of a split manifest. */
export interface ManifestEntry {
  /** Path relative to the manifest's `root` (with `/`), or absolute. */
  path: string;
  /** Class index into `classNames`. */
  label: number;
}

/**
 * A saved split: the exact file lists and labels of each split, so an experiment can be
 * repeated on the same images even if the folder later changes.
 */
export interface SplitManifest {
  /** Always `graft-split-manifest`. */
  format: 'graft-split-manifest';
  /** Manifest version, 1. */
  version: 1;
  /** The folder paths are relative to (as given when created). */
  root: string;
  /** Class names; labels index into them. */
  classNames: string[];
  /** Seed the split was made with, when known. */
  seed?: number;
  /** Files of each split, by split name. */
  splits: Record<string, ManifestEntry[]>;
}

/**
 * Validates parsed JSON as a {@link SplitManifest}; a bad one is a `FileFormatError` naming
 * `file` and the first problem found.
 */
export function parseSplitManifest(value: unknown, file: string): SplitManifest {
  const fail = (problem: string): never => {
    throw new FileFormatError({ file, problem: `not a valid split manifest: ${problem}` });
  };
  if (value === null || typeof value !== 'object') return fail('not a JSON object');
  const manifest = value as Partial<SplitManifest>;
  if (manifest.format !== 'graft-split-manifest')
    fail(`format is ${JSON.stringify(manifest.format)}`);
  if (manifest.version !== 1)
    fail(`unsupported version ${JSON.stringify(manifest.version)} (expected 1)`);
  if (typeof manifest.root !== 'string') fail('root must be a string');
  if (
    !Array.isArray(manifest.classNames) ||
    !manifest.classNames.every((name) => typeof name === 'string')
  ) {
    fail('classNames must be an array of strings');
  }
  if (manifest.splits === null || typeof manifest.splits !== 'object')
    fail('splits must be an object');
  const classCount = (manifest.classNames as string[]).length;
  for (const [name, entries] of Object.entries(manifest.splits as Record<string, unknown>)) {
    if (!Array.isArray(entries)) fail(`split ${name} is not an array`);
    (entries as unknown[]).forEach((entry, index) => {
      const item = entry as Partial<ManifestEntry>;
      if (typeof item?.path !== 'string') fail(`splits.${name}[${index}].path must be a string`);
      if (
        !Number.isInteger(item.label) ||
        (item.label as number) < 0 ||
        (item.label as number) >= classCount
      ) {
        fail(
          `splits.${name}[${index}].label ${JSON.stringify(item.label)} is not a class index below ${classCount}`,
        );
      }
    });
  }
  return manifest as SplitManifest;
}
