import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SentenceEncoder, useLiteName, useLitePackage } from '@graft/backbones';
import type { JsonObject } from '@graft/core';

/** What a text classifier's `metadata.json` records under `userMetadata.textEncoder`. */
export interface TextEncoderReference extends JsonObject {
  /** Registered encoder name, e.g. `use-lite`. */
  name: string;
  /** The encoder's weights label; predicting with other weights is refused. */
  weightsId: string;
  /** Length of the encoder's embedding (the model's input is it, zero-padded to a multiple of 3). */
  featureDim: number;
  /** Where the weights come from, for users of the exported model. */
  source: string;
  /** How texts become the encoder's input. */
  tokenizer: JsonObject;
  /** How the embedding is laid out as the classifier's `[N, 1, W, 3]` input. */
  layout: string;
}

/** The reference saved with a text classifier. */
export function textEncoderReference(encoder: SentenceEncoder): TextEncoderReference {
  return {
    name: encoder.name,
    weightsId: encoder.weightsId,
    featureDim: encoder.featureDim,
    source: encoder.name === useLiteName ? `npm:${useLitePackage}@0.2.0` : 'custom',
    tokenizer:
      encoder.name === useLiteName
        ? {
            kind: 'sentencepiece-unigram',
            vocabulary: 'vocab.json',
            normalization: 'NFKC',
            reservedSymbols: 6,
          }
        : {},
    layout: 'embedding zero-padded to a multiple of 3, reshaped to [1, ceil(featureDim / 3), 3]',
  };
}

/** The text encoder a classifier directory was trained on, or undefined for an image classifier. */
export async function readTextEncoderReference(
  modelDir: string,
): Promise<TextEncoderReference | undefined> {
  const text = await readFile(join(modelDir, 'metadata.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const metadata = JSON.parse(text) as { userMetadata?: { textEncoder?: TextEncoderReference } };
    return metadata.userMetadata?.textEncoder;
  } catch {
    // An unreadable metadata file is reported by the image path's loader.
    return undefined;
  }
}
