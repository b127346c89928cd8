import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import {
  describeUnknownBytes,
  describeWeightFormats,
  detectionHeadBytes,
  detectWeightFormat,
  type WeightFormat,
  weightFormatDetectors,
} from '../formats/detect-weight-format.js';

/** Options of {@link inspectWeightsFile}. */
export interface InspectWeightsFileOptions {
  /** A weights file, a TF.js `model.json`, or a folder holding a `model.json`. */
  path: string;
  /** Formats the caller can load; any other is refused. Default: every format Graft reads. */
  accepted?: readonly WeightFormat[];
  /** What reads the file, for messages, e.g. `backbone resnet18`. Default `Graft`. */
  reader?: string;
}

/** A weights file whose format was detected from its content. */
export interface InspectedWeightsFile {
  /** Absolute path of the file to read (for a folder, its `model.json`). */
  path: string;
  /** Format detected from the bytes (and for JSON, from its keys), not from the extension. */
  format: WeightFormat;
}

/**
 * Finds out what a weights file is before anything is loaded: the format comes from the magic
 * bytes (HDF5, safetensors) or the JSON shape (a TF.js LayersModel has `modelTopology` and
 * `weightsManifest`). Throws {@link AssetNotFoundError} for a missing path and
 * {@link FileFormatError} naming the file, what it holds and the formats accepted otherwise.
 */
export async function inspectWeightsFile(
  options: InspectWeightsFileOptions,
): Promise<InspectedWeightsFile> {
  const accepted = options.accepted ?? weightFormatDetectors.map((detector) => detector.format);
  const reader = options.reader ?? 'Graft';
  const acceptedText = `${reader} accepts ${describeWeightFormats(accepted)}`;
  let path = resolve(options.path);
  const found = await stat(path).catch((error: unknown) => {
    throw new AssetNotFoundError({
      fileName: options.path,
      searched: [path],
      putItAt: path,
      reason: `there is no such file or folder (${acceptedText})`,
      cause: error,
    });
  });
  if (found.isDirectory()) {
    const entries = (await readdir(path)).sort();
    if (!entries.includes('model.json')) {
      throw new FileFormatError({
        file: path,
        problem: `is a folder without a model.json (it holds: ${entries.slice(0, 8).join(', ') || 'nothing'}${entries.length > 8 ? ', …' : ''}). ${capitalise(acceptedText)}`,
      });
    }
    path = join(path, 'model.json');
  }
  const head = await readHead(path);
  const format = detectWeightFormat(head);
  if (format === undefined) {
    throw new FileFormatError({
      file: path,
      problem: `is ${describeUnknownBytes(head)}, not a weights file. ${capitalise(acceptedText)}`,
    });
  }
  if (format === 'tfjs-layers') await checkLayersModelJson(path, acceptedText);
  if (!accepted.includes(format)) {
    throw new FileFormatError({
      file: path,
      problem: `is ${describeWeightFormats([format])}, but ${acceptedText}`,
    });
  }
  return { path, format };
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(detectionHeadBytes);
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A JSON file must be a TF.js LayersModel: say what else it is (graph model, other JSON). */
async function checkLayersModelJson(path: string, acceptedText: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `starts like JSON but does not parse as JSON. ${capitalise(acceptedText)}`,
      cause: error,
    });
  }
  const object = (json ?? {}) as Record<string, unknown>;
  if (object.format === 'graph-model') {
    throw new FileFormatError({
      file: path,
      problem: `is a TF.js graph model (format "graph-model"), which has no layers to train or cut. ${capitalise(acceptedText)}`,
    });
  }
  if (object.modelTopology === undefined || !Array.isArray(object.weightsManifest)) {
    const keys = typeof json === 'object' && json !== null ? Object.keys(json) : [];
    throw new FileFormatError({
      file: path,
      problem: `is JSON but not a TF.js LayersModel: no modelTopology and weightsManifest (its keys: ${keys.slice(0, 8).join(', ') || 'none'}). ${capitalise(acceptedText)}`,
    });
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
