import type { Classifier } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';
import type { ClassifierSource } from '../run/open-classifier-source.js';
import { selectBackend } from './select-backend.js';

/**
 * Loads the classifier of a run (`model/`) or of a bare classifier directory, Graft's or a
 * Teachable Machine export (with its preprocessing and labels), after picking the backend. The
 * caller calls `classifier.dispose()`.
 */
export async function loadRunClassifier(
  source: Pick<ClassifierSource, 'modelDir'>,
): Promise<Classifier> {
  await selectBackend();
  return loadClassifier(source.modelDir);
}
