import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { GraftError } from '@graft/core';
import {
  compareCodeUnits,
  imageExtensionProblem,
  imageExtensions,
  type SplitName,
  splitFolders,
  splitRank,
} from '../image-extensions.js';

export { imageExtensions, type SplitName } from '../image-extensions.js';

/** One image file with its label. */
export interface ImageFile {
  /** Absolute path. */
  path: string;
  /** Class index into `classNames` (multi-label: the first of {@link labelSet}). */
  label: number;
  /** Multi-label: every label index of the image, ascending (a `multiLabel` dataset reads these). */
  labelSet?: readonly number[];
  /** Split it belongs to, for the `train/ val/ test/` layout. */
  split?: SplitName;
}

/** A file left out, and why. */
export interface SkippedFile {
  /** Absolute path. */
  path: string;
  /** Why, e.g. `unsupported extension .gif` or the decoder's error. */
  reason: string;
}

/** What {@link scanImageFolder} found. */
export interface ImageFolderScan {
  /** Absolute root. */
  root: string;
  /** `classes`: root holds class folders. `splits`: root holds `train/ val/ test/`, each with class folders. */
  layout: 'classes' | 'splits';
  /** Sorted class folder names (union over splits, so labels agree between splits). */
  classNames: string[];
  /** Splits present, in `train, val, test` order (empty for the `classes` layout). */
  splitNames: SplitName[];
  /** Every accepted image, sorted by split, class, then path. */
  files: ImageFile[];
  /** Files skipped by extension or place (never silently). */
  skipped: SkippedFile[];
  /** Class folders without any accepted image (only with `onBadImage: 'skip'`; otherwise an error). */
  emptyClassFolders: string[];
  /** Per split, the classes that have no folder in that split. */
  missingClasses: Partial<Record<SplitName, string[]>>;
}

/** Options of {@link scanImageFolder}. */
export interface ScanImageFolderOptions {
  /** The folder to scan. */
  root: string;
  /** `error` (default): an empty class folder is an error. `skip`: it is reported instead. */
  onBadImage?: 'error' | 'skip';
}

/**
 * Lists an image folder with torchvision's `ImageFolder` rules: classes are the sorted
 * sub-folder names (code-unit order, as Python's `sorted`), images are found recursively inside
 * each class folder, and only {@link imageExtensions} are accepted; every other file is listed
 * in `skipped`. A root whose sub-folders are all `train`/`val`/`validation`/`test` is read as a
 * split layout. Unreadable folders, empty class folders and a folder without any image are
 * errors (code `DATA`) naming the folder.
 */
export async function scanImageFolder(options: ScanImageFolderOptions): Promise<ImageFolderScan> {
  const root = resolve(options.root);
  const onBadImage = options.onBadImage ?? 'error';
  const rootEntries = await listFolder(root);
  const skipped: SkippedFile[] = [];
  const rootFolders = rootEntries.filter((entry) => entry.isDirectory).map((entry) => entry.name);
  const isSplitLayout =
    rootFolders.length > 0 && rootFolders.every((name) => splitFolders[name] !== undefined);

  // Each group is (split, folder holding class folders).
  const groups: { split: SplitName | undefined; folder: string }[] = isSplitLayout
    ? rootFolders
        .map((name) => ({ split: splitFolders[name] as SplitName, folder: join(root, name) }))
        .sort((a, b) => splitRank(a.split) - splitRank(b.split))
    : [{ split: undefined, folder: root }];
  const seenSplits = new Set<SplitName>();
  for (const group of groups) {
    if (group.split !== undefined && seenSplits.has(group.split)) {
      throw dataError(
        `${root} has two folders for the split "${group.split}" (val and validation)`,
      );
    }
    if (group.split !== undefined) seenSplits.add(group.split);
  }

  const classFoldersByGroup: string[][] = [];
  for (const group of groups) {
    const entries = group.folder === root ? rootEntries : await listFolder(group.folder);
    const classes: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory) classes.push(entry.name);
      else
        skipped.push({ path: join(group.folder, entry.name), reason: 'not inside a class folder' });
    }
    classFoldersByGroup.push(classes);
  }
  const classNames = [...new Set(classFoldersByGroup.flat())].sort(compareCodeUnits);
  if (classNames.length === 0) {
    throw dataError(`${root} contains no class folders (expected one sub-folder per class)`);
  }

  const files: ImageFile[] = [];
  const emptyClassFolders: string[] = [];
  const missingClasses: Partial<Record<SplitName, string[]>> = {};
  for (const [groupIndex, group] of groups.entries()) {
    const present = new Set(classFoldersByGroup[groupIndex]);
    const missing = classNames.filter((name) => !present.has(name));
    if (group.split !== undefined && missing.length > 0) missingClasses[group.split] = missing;
    for (const [label, className] of classNames.entries()) {
      if (!present.has(className)) continue;
      const classFolder = join(group.folder, className);
      let accepted = 0;
      for (const path of await listFilesRecursively(classFolder)) {
        const problem = imageExtensionProblem(path);
        if (problem === undefined) {
          files.push(
            group.split === undefined ? { path, label } : { path, label, split: group.split },
          );
          accepted++;
        } else {
          skipped.push({ path, reason: problem });
        }
      }
      if (accepted === 0) {
        if (onBadImage === 'skip') emptyClassFolders.push(classFolder);
        else {
          throw dataError(
            `class folder ${classFolder} has no image with an accepted extension (${imageExtensions.join(' ')}); ` +
              "remove it, add images, or pass onBadImage: 'skip'",
          );
        }
      }
    }
  }
  if (files.length === 0) {
    throw dataError(
      `${root} contains no images with an accepted extension (${imageExtensions.join(' ')}); ` +
        `${skipped.length} other file(s) were skipped`,
    );
  }
  return {
    root,
    layout: isSplitLayout ? 'splits' : 'classes',
    classNames,
    splitNames: groups.flatMap((group) => (group.split === undefined ? [] : [group.split])),
    files,
    skipped,
    emptyClassFolders,
    missingClasses,
  };
}

interface FolderEntry {
  name: string;
  isDirectory: boolean;
}

/** Lists a folder's entries sorted by name, following symbolic links. */
async function listFolder(folder: string): Promise<FolderEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw dataError(`cannot read folder ${folder} (${code}: ${(error as Error).message})`, error);
  }
  const result: FolderEntry[] = [];
  for (const entry of entries) {
    let isDirectory = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDirectory = (await stat(join(folder, entry.name))).isDirectory();
      } catch (error) {
        throw dataError(`broken symbolic link ${join(folder, entry.name)}`, error);
      }
    }
    result.push({ name: entry.name, isDirectory });
  }
  return result.sort((a, b) => compareCodeUnits(a.name, b.name));
}

async function listFilesRecursively(folder: string): Promise<string[]> {
  const paths: string[] = [];
  for (const entry of await listFolder(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) paths.push(...(await listFilesRecursively(path)));
    else paths.push(path);
  }
  return paths;
}

function dataError(message: string, cause?: unknown): GraftError {
  return new GraftError({ code: 'DATA', message, cause });
}

/** A path relative to `root` with `/` separators, for manifests and reports. */
export function relativePath(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}
