import type { Classifier } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';
import type { RunDirectory } from '../run/run-directory.js';
import { selectBackend } from './select-backend.js';

/**
 * Loads the classifier a run saved in `model/` (backbone + head in one model, with its
 * preprocessing and labels), after picking the backend. The caller disposes `classifier.model`.
 */
export async function loadRunClassifier(run: RunDirectory): Promise<Classifier> {
  await selectBackend();
  return loadClassifier(run.modelDir);
}
