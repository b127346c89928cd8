import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { decodePixels } from '@graft/datasets/node';
import { convertToOnnx, onnxSupport } from '@graft/onnx';
import {
  type Classifier,
  loadClassifier as loadClassifierFromUrl,
  readClassifierMetadata,
} from '@graft/trainer';
import { loadClassifier as loadClassifierDirectory } from '@graft/trainer/node';
import { ImageClassifier } from '../image-classifier.js';
import type { PixelEngine } from '../pixel-engine.js';
import { type classifierEngines, classifierFormat } from './classifier-format.js';
import { onnxPixelEngine } from './onnx-pixel-engine.js';

/** Options of {@link loadClassifier} (Node). */
export interface LoadNodeClassifierOptions {
  /**
   * Largest `width * height` an encoded image may declare; larger ones are refused from the
   * header, before any pixel is decoded. Default `defaultMaximumPixels` of `@graft/datasets`
   * (2^28); a server facing uploads should set far less.
   */
  maximumPixels?: number;
  /**
   * What runs the model: `tfjs` (a tfjs folder, on the backend the app picked), `onnx`
   * (onnxruntime-node, an optional dependency, in a worker thread; a tfjs folder's model is
   * converted in memory), or `auto` (default): the folder's own format.
   */
  engine?: (typeof classifierEngines)[number];
  /** With the ONNX engine: ONNX Runtime's intra-op threads per batch. Default 1. */
  threads?: number;
}

/**
 * Loads a classifier directory (`model.json`, weights, `metadata.json`: `graft export`, a run's
 * `model/`, a Teachable Machine export; or `model.onnx` + `metadata.json`: `graft export
 * --format onnx`) or an `http(s)://` base URL holding a tfjs one, ready to classify encoded
 * bytes (decoded by sharp, as `graft train` and `graft predict` decode files), `ImageData` or
 * tensors. For tfjs, pick the backend first (`initBackend` of `@graft/runtime`). The caller
 * calls `dispose()`.
 */
export async function loadClassifier(
  directoryOrUrl: string,
  options: LoadNodeClassifierOptions = {},
): Promise<ImageClassifier> {
  const url = /^https?:\/\//i.test(directoryOrUrl);
  const format = url ? 'tfjs' : await classifierFormat(directoryOrUrl);
  const engineChoice = options.engine ?? 'auto';
  if (engineChoice === 'tfjs' && format === 'onnx') {
    throw new InvalidArgumentError({
      argument: 'engine',
      value: 'tfjs',
      expected: `must be onnx or auto for ${directoryOrUrl}: it holds model.onnx and no model.json (graft export --format onnx); valid choices: auto, tfjs, onnx`,
    });
  }
  const threads = options.threads ?? 1;
  let engine: PixelEngine;
  if (format === 'onnx') {
    const metadataFile = join(directoryOrUrl, 'metadata.json');
    const metadata = readClassifierMetadata(
      JSON.parse(await readFile(metadataFile, 'utf8')),
      metadataFile,
    );
    const file = join(directoryOrUrl, 'model.onnx');
    engine = await onnxPixelEngine({ model: await readFile(file), metadata, threads, file });
  } else {
    const classifier = url
      ? await loadClassifierFromUrl(directoryOrUrl)
      : await loadClassifierDirectory(directoryOrUrl);
    if (engineChoice !== 'onnx') return imageClassifier({ classifier }, options);
    engine = await convertedEngine(classifier, threads);
  }
  return imageClassifier({ engine }, options);
}

/** The tfjs classifier's model converted to ONNX in memory; the tfjs model is disposed. */
async function convertedEngine(classifier: Classifier, threads: number): Promise<PixelEngine> {
  try {
    const support = onnxSupport(classifier.model);
    if (!support.supported) {
      throw new InvalidArgumentError({
        argument: 'engine',
        value: 'onnx',
        expected: `needs a classifier the ONNX converter supports; this one is not: ${support.reason} (the tfjs engine runs any classifier)`,
      });
    }
    const model = convertToOnnx({ model: classifier.model });
    return await onnxPixelEngine({ model, metadata: classifier.metadata, threads });
  } finally {
    classifier.dispose();
  }
}

function imageClassifier(
  model: { classifier: Classifier } | { engine: PixelEngine },
  options: LoadNodeClassifierOptions,
): ImageClassifier {
  const limits =
    options.maximumPixels === undefined ? {} : { maximumPixels: options.maximumPixels };
  return new ImageClassifier({
    ...model,
    decode: (bytes, name) => decodePixels(bytes, name, limits),
  });
}
