// Imports only Node built-ins and cheap modules: main.ts runs this before the CLI's modules load.
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DecodePrefetch } from '@graft/datasets/node';
import { featureCacheDirectory } from './feature-cache-directory.js';

/**
 * Flags of `graft train` that change neither which images are read nor how they are decoded
 * (with their value, if any). Any other flag — a config file, augmentation, folds, a queue, a
 * split manifest, another mode — and the early start stays off: `graft train` then decides
 * about the prefetch itself, once its options are parsed (training-decode-prefetch.ts).
 */
const neutralFlags = new Map<string, boolean>([
  ['--backbone', true],
  ['--mode', true],
  ['--epochs', true],
  ['--lr', true],
  ['--head-lr', true],
  ['--backend', true],
  ['--engine', true],
  ['--out', true],
  ['-o', true],
  ['--batch-size', true],
  ['--head', true],
  ['--seed', true],
  ['--optimizer', true],
  ['--schedule', true],
  ['--loss', true],
  ['--label-smoothing', true],
  ['--class-weight', true],
  ['--clip-norm', true],
  ['--early-stop', true],
  ['--monitor', true],
  ['--keep-checkpoints', true],
  ['--extraction-workers', true],
  ['--split', true],
  ['--weights', true],
  ['--keep-best', false],
  ['--no-keep-best', false],
  ['--calibrate', false],
  ['--no-calibrate', false],
  ['--no-cache', false],
  ['--overwrite', false],
  ['--verbose', false],
  ['-v', false],
  ['--quiet', false],
  ['-q', false],
  ['--json', false],
]);

/** The program's own options, which may come before the command (program.ts). */
const globalFlags = new Map<string, boolean>([
  ['--quiet', false],
  ['-q', false],
  ['--verbose', false],
  ['-v', false],
  ['--json', false],
  ['--backend', true],
]);

/** What `graft train`'s arguments say about an early decode (see {@link earlyDecodeRequest}). */
export interface EarlyDecodeRequest {
  /** The image folder (as given). */
  data: string;
  /** Whether the run reads the feature cache (no `--no-cache`). */
  featureCache: boolean;
}

/**
 * Whether `argv` (after `node main.js`) is `graft train <folder> …` with the clean
 * frozen-feature recipe, read from the arguments alone: the data first, then only
 * {@link neutralFlags}, `--mode` (if given) `feature-extraction` and a registered `--backbone`
 * (no model file). `undefined` otherwise. A guess that the parsed options later contradict
 * costs only the decoding: `graft train` checks again before it takes the pixels.
 */
export function earlyDecodeRequest(argv: readonly string[]): EarlyDecodeRequest | undefined {
  let first = 0;
  while (first < argv.length) {
    const argument = argv[first] as string;
    const takesValue = globalFlags.get(argument.split('=')[0] as string);
    if (takesValue === undefined) break;
    first += takesValue && !argument.includes('=') ? 2 : 1;
  }
  const [command, data, ...rest] = argv.slice(first);
  if (command !== 'train' || data === undefined || data.startsWith('-')) return undefined;
  let featureCache = true;
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index] as string;
    const equals = argument.indexOf('=');
    const name = equals === -1 ? argument : argument.slice(0, equals);
    const takesValue = neutralFlags.get(name);
    if (takesValue === undefined) return undefined;
    if (name === '--no-cache') featureCache = false;
    if (!takesValue) continue;
    const value = equals === -1 ? rest[++index] : argument.slice(equals + 1);
    if (value === undefined) return undefined;
    if (name === '--mode' && value !== 'feature-extraction') return undefined;
    // A model file's input size is read from the file: not known early.
    if (name === '--backbone' && (/[\\/]/.test(value) || /\.json$/i.test(value))) {
      return undefined;
    }
  }
  return { data, featureCache };
}

/** Prefetches this module started (so --verbose can say when decoding began). */
const startedEarly = new WeakSet<DecodePrefetch>();

/** The early prefetch, until `graft train` adopts it or the program ends. */
let started: { root: string; prefetch: Promise<DecodePrefetch | undefined> } | undefined;

/**
 * Starts decoding `graft train`'s images in a worker thread at process start, before the CLI's
 * modules load (~0.8 s on one core, the other idle until now), when the arguments name the
 * clean frozen-feature recipe on a folder and the feature cache is empty or not read. The
 * resize target is not known yet (it needs the backbone's registry): the thread decodes and
 * keeps a bounded number of files until `graft train` sets it ({@link adoptEarlyDecodePrefetch}).
 */
export async function startEarlyDecodePrefetch(argv: readonly string[]): Promise<void> {
  const request = earlyDecodeRequest(argv);
  if (request === undefined) return;
  const isFolder = await stat(request.data).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) return;
  if (request.featureCache) {
    const entries = await readdir(featureCacheDirectory()).catch(() => []);
    if (entries.length > 0) return;
  }
  const root = resolve(request.data);
  const prefetch = import('./prefetch-image-folder.js').then(
    async ({ prefetchImageFolder }) => {
      const early = await prefetchImageFolder({ root });
      if (early) startedEarly.add(early);
      return early;
    },
    () => undefined,
  );
  started = { root, prefetch };
  // Awaited before the CLI's other modules are imported: loaded side by side, this smaller
  // graph finished only with theirs (the thread started ~0.9 s after spawn instead of ~0.4 s).
  await prefetch;
}

/** Whether `prefetch` was started at process start by {@link startEarlyDecodePrefetch}. */
export function isEarlyDecodePrefetch(prefetch: DecodePrefetch): boolean {
  return startedEarly.has(prefetch);
}

/**
 * The early prefetch of `data`, handed out once (`undefined` when none was started or it is of
 * another folder). Whoever takes it closes it.
 */
export async function adoptEarlyDecodePrefetch(data: string): Promise<DecodePrefetch | undefined> {
  const early = started;
  started = undefined;
  if (early === undefined) return undefined;
  const prefetch = await early.prefetch;
  if (early.root === resolve(data)) return prefetch;
  await prefetch?.close();
  return undefined;
}

/** Ends an early prefetch nobody adopted (the command was not the run the arguments suggested). */
export async function closeEarlyDecodePrefetch(): Promise<void> {
  await (await adoptEarlyDecodePrefetch(''))?.close();
}
