import {
  FileFormatError,
  hasTeachableMachineMarks,
  type JsonObject,
  type Preprocessing,
  teachableMachinePackageName,
  teachableMachinePreprocessing,
} from '@graft/core';
import { type ClassifierMetadata, classifierFormatVersion } from './classifier-metadata.js';

// Re-exported: the trainer's public API has offered it since TM classifiers became first-class.
export { teachableMachinePackageName };

/**
 * The `metadata.json` Teachable Machine writes beside an image model (`Metadata` and
 * `fillMetadata` of `@teachablemachine/image` 0.8.5; the site adds `tmVersion`).
 */
export interface TeachableMachineMetadata {
  /** Class names; output column `i` is `labels[i]`. */
  labels: string[];
  /** Side of the square input. TM's default when absent: 224. */
  imageSize?: number;
  /** Version of the Teachable Machine site that trained it. */
  tmVersion?: string;
  /** `@teachablemachine/image`. */
  packageName?: string;
  /** Version of `@teachablemachine/image`. */
  packageVersion?: string;
  /** tfjs version that saved it. */
  tfjsVersion?: string;
  /** Name given on the site. */
  modelName?: string;
  /** ISO time the model was saved. */
  timeStamp?: string;
  /** Anything the site adds. */
  userMetadata?: JsonObject;
  /** Grayscale models see one luminance channel (not reproduced by Graft). */
  grayscale?: boolean;
}

/** Whether `value` is a Teachable Machine image-model `metadata.json` (and not Graft's own). */
export function isTeachableMachineMetadata(value: unknown): value is TeachableMachineMetadata {
  return hasTeachableMachineMarks(value) && (value as { graft?: unknown }).graft === undefined;
}

/**
 * Graft classifier metadata for a Teachable Machine model: TM's fields kept as they were (so TM's
 * own loader still reads a re-exported copy), plus a `graft` block recording the preprocessing TM
 * applies and `source: 'teachable-machine'`. `file` names the metadata in errors.
 */
export function metadataFromTeachableMachine(
  metadata: TeachableMachineMetadata,
  file: string,
): ClassifierMetadata {
  const imageSize = metadata.imageSize ?? 224;
  if (!(Number.isInteger(imageSize) && imageSize > 0)) {
    throw new FileFormatError({
      file,
      problem: `has imageSize ${JSON.stringify(metadata.imageSize)}; a Teachable Machine model needs a positive integer (224 when absent)`,
    });
  }
  if (metadata.grayscale === true) {
    throw new FileFormatError({
      file,
      problem:
        'is a grayscale Teachable Machine model ("grayscale": true); Graft only reproduces the RGB preprocessing of colour models',
    });
  }
  const tfjsVersion = metadata.tfjsVersion ?? 'unknown';
  return {
    // Every field TM wrote is kept, known or not.
    ...(metadata as unknown as JsonObject),
    labels: [...metadata.labels],
    imageSize,
    modelName: metadata.modelName ?? 'untitled',
    timeStamp: metadata.timeStamp ?? '',
    tfjsVersion,
    packageName: metadata.packageName ?? teachableMachinePackageName,
    packageVersion: metadata.packageVersion ?? 'unknown',
    userMetadata: metadata.userMetadata ?? {},
    graft: {
      formatVersion: classifierFormatVersion,
      source: 'teachable-machine',
      preprocessing: teachableMachinePreprocessing(imageSize) as Preprocessing & JsonObject,
      // TM's head ends in a dense softmax layer.
      activation: 'softmax',
      backbone: {
        name: 'teachable-machine',
        weightsId: 'teachable-machine:unknown',
        config: {},
      },
      head: {},
      versions: {
        [metadata.packageName ?? teachableMachinePackageName]: metadata.packageVersion ?? 'unknown',
        '@tensorflow/tfjs': tfjsVersion,
        ...(metadata.tmVersion !== undefined ? { 'teachable-machine': metadata.tmVersion } : {}),
      },
    },
  };
}
