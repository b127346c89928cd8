import { getBackboneDescriptor } from '@graft/backbones';
import type { Preprocessing } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { isModelFileReference } from '../config/backbone-reference.js';
import type { TrainConfig } from '../config/train-config.js';
import { checkTrainingInputs } from '../pipeline/check-training-inputs.js';
import { isCifarName, loadTrainingData } from '../pipeline/load-training-data.js';
import {
  checkTrainingBackbone,
  createTrainingBackbone,
  trainingBackboneSpec,
} from '../pipeline/training-backbone.js';
import { foldsFlag, planFolds } from './fold-plan.js';

/** The data as a manifest, split into folds; checks every input before anything is written. */
export async function planFoldData(config: TrainConfig, folds: number) {
  if (isCifarName(config.data)) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value: folds,
      expected: `applies to an image folder (its files are dealt into folds), not to ${config.data}, whose official test set already measures the model`,
    });
  }
  const preprocessing = await preprocessingOf(config);
  // Every image not in a test split is cross-validated: --split's validation share joins the
  // folds (a flat folder's default is all images in the folds, none held out for test).
  const split = config.split ?? ([1, 0, 0] as const);
  // The same checks as a single run (folder, --split, --augment, --out), before any write.
  await checkTrainingInputs({ config: { ...config, split: [...split] }, preprocessing });
  const data = await loadTrainingData({
    data: config.data,
    split,
    seed: config.seed,
    preprocessing,
    ...(config.splitManifest !== undefined ? { splitManifest: config.splitManifest } : {}),
  });
  if (data.manifest === undefined) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value: folds,
      expected: `applies to image files; ${data.description} gives none to deal into folds`,
    });
  }
  return planFolds({ manifest: data.manifest, folds, seed: config.seed });
}

/** The backbone's preprocessing (input size), loading a model file only when it must. */
async function preprocessingOf(config: TrainConfig): Promise<Preprocessing> {
  const spec = trainingBackboneSpec(config);
  await checkTrainingBackbone(spec);
  if (!isModelFileReference(spec.backbone)) {
    return getBackboneDescriptor(spec.backbone).preprocessing;
  }
  const backbone = await createTrainingBackbone(spec);
  try {
    return backbone.preprocessing;
  } finally {
    backbone.dispose();
  }
}
