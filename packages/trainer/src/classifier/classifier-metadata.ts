import type { JsonObject, Preprocessing } from '@graft/core';

/**
 * Layout version of {@link ClassifierMetadata.graft}. 2: `preprocessing` is written out in full
 * (`resolvePreprocessing`: crop fraction, antialiasing and rounding explicit) and follows
 * docs/preprocessing.md. Version 1 files load too; their missing fields take the defaults.
 */
export const classifierFormatVersion = 2;

/**
 * `metadata.json` beside a saved classifier's `model.json`. The top-level fields follow
 * Teachable Machine's image-model layout (`labels`, `imageSize`, `modelName`, `timeStamp`,
 * `tfjsVersion`, `packageName`, `packageVersion`, `userMetadata`), so TM-style consumers read
 * the labels and input size; everything Graft needs lives under `graft`.
 */
export interface ClassifierMetadata extends JsonObject {
  /** Class names; output column `i` is `labels[i]`. */
  labels: string[];
  /** Square input size when the input is square (TM's `imageSize`), else the height. */
  imageSize: number;
  /** Free name of the model. */
  modelName: string;
  /** ISO time the model was saved. */
  timeStamp: string;
  /** tfjs-core version that saved it. */
  tfjsVersion: string;
  /** `@graft/trainer`. */
  packageName: string;
  /** Version of `@graft/trainer` that saved it. */
  packageVersion: string;
  /** Anything the caller adds. */
  userMetadata: JsonObject;
  /** Graft's own fields. */
  graft: {
    /** {@link classifierFormatVersion}. */
    formatVersion: number;
    /**
     * Who trained the model: `graft` (absent in files written before this field) or
     * `teachable-machine` (a TM export read by `loadClassifier`, its preprocessing recorded here).
     */
    source?: 'graft' | 'teachable-machine';
    /**
     * How pixels become the model's input, every default written out; specified for consumers
     * outside Graft in docs/preprocessing.md (Pillow's resize, crop geometry and rounding,
     * channel order, scale/mean/std). The saved model does NOT contain this step: its input is
     * the normalised tensor (as in Teachable Machine, whose MobileNet takes [-1, 1]);
     * `loadClassifier(...).predict` applies it, and other consumers must too.
     */
    preprocessing: Preprocessing & JsonObject;
    /** `softmax` (one label per image) or `sigmoid` (multi-label). */
    activation: 'softmax' | 'sigmoid';
    /**
     * Sigmoid (multi-label) models: a label applies when its probability is >= this (absent in
     * files written before it was recorded: 0.5). The saved model already ends in the sigmoid;
     * consumers must not apply a softmax, and should list every label over the threshold.
     */
    threshold?: number;
    /** Backbone name, `weightsId` and `getConfig()`. */
    backbone: { name: string; weightsId: string; config: JsonObject };
    /** Head `getConfig()`. */
    head: JsonObject;
    /** Augmentation `toConfig()`, when training used one. */
    augmentation?: JsonObject;
    /** Schedule `getConfig()`, when training used one. */
    schedule?: JsonObject;
    /** Optimiser `getConfig()`. */
    optimizer?: JsonObject;
    /** Training settings worth keeping (mode, epochs, batch size, seed …). */
    training?: JsonObject;
    /** Final metrics (e.g. an evaluation report, or the last epoch's logs). */
    metrics?: JsonObject;
    /**
     * Temperature scaling fitted after training (`CalibrationMetadata`: `temperature`, ECE
     * before/after …), already applied to the saved weights. Absent: not calibrated (T = 1).
     */
    calibration?: JsonObject;
    /** Versions of the packages involved. */
    versions: Record<string, string>;
  };
}
