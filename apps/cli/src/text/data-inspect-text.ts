import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { sentenceEncoderRegistry } from '@graft/backbones';
import { FileFormatError } from '@graft/core';
import type { SplitName } from '@graft/datasets';
import { textTableExtensions } from '@graft/datasets/node';
import type { CommandOutput } from '../output.js';
import { selectBackend } from '../pipeline/select-backend.js';
import type { TextSplitManifest } from './evaluate-text.js';
import { formatTextInspection } from './format-text-inspection.js';
import { inspectTextData } from './inspect-text-data.js';

/** The `graft data inspect` flags the text path reads. */
export interface TextInspectFlags {
  /** Read the data as text. */
  text?: boolean;
  /** Each non-empty line of a `.txt` file is one example (implies text). */
  linePerExample?: boolean;
  /** A registered text encoder (implies text): its embeddings find near duplicates. */
  features?: string;
  /** A text run's `split-manifest.json`: examples get their split, so leakage is named. */
  splitManifest?: string;
  /** Whether to search duplicates at all (`--no-duplicates`). */
  duplicates: boolean;
}

/** Whether `graft data inspect` reads `path` as text data. */
export function isTextInspection(path: string, flags: TextInspectFlags): boolean {
  return (
    flags.text === true ||
    flags.linePerExample === true ||
    (flags.features !== undefined && sentenceEncoderRegistry.has(flags.features)) ||
    (textTableExtensions as readonly string[]).includes(extname(path).toLowerCase())
  );
}

/** `graft data inspect <text data>`: counts, lengths, exact and near duplicates. */
export async function runTextInspect(options: {
  dataPath: string;
  flags: TextInspectFlags;
  /** `--cosine-threshold`, checked. */
  cosineThreshold: number;
  /** `--max-pairs`, checked. */
  maxRows: number;
  output: CommandOutput;
}): Promise<void> {
  const { flags, output } = options;
  const splitOf = flags.splitManifest ? await readSplits(flags.splitManifest) : undefined;
  // The encoder runs on tfjs: pick the backend as every command that computes does.
  if (flags.features !== undefined && flags.duplicates) await selectBackend();
  const progress = output.progress();
  let started = false;
  const inspection = await inspectTextData({
    dataPath: options.dataPath,
    ...(flags.linePerExample ? { linePerExample: true } : {}),
    ...(flags.features !== undefined && flags.duplicates ? { encoderName: flags.features } : {}),
    cosineThreshold: options.cosineThreshold,
    ...(splitOf ? { splitOf } : {}),
    onProgress: (done, total) => {
      if (!started) progress.start({ label: 'embedding', total, unit: 'text' });
      started = true;
      progress.update(done);
    },
  });
  if (started) progress.stop();
  if (output.json) {
    output.result(
      JSON.stringify({ root: options.dataPath, modality: 'text', ...inspection }, null, 2),
    );
    return;
  }
  output.result(formatTextInspection(inspection, options));
}

async function readSplits(path: string): Promise<Map<string, SplitName>> {
  let manifest: Partial<TextSplitManifest> = {};
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as Partial<TextSplitManifest>;
  } catch {
    // Reported below with the expected content.
  }
  if (manifest?.sources === undefined || !Array.isArray(manifest.sources.train)) {
    throw new FileFormatError({
      file: path,
      problem: 'is not the split-manifest.json of a text run (no sources.train list)',
    });
  }
  const splitOf = new Map<string, SplitName>();
  for (const [split, sources] of Object.entries(manifest.sources)) {
    for (const source of sources ?? []) splitOf.set(source, split as SplitName);
  }
  return splitOf;
}
