import * as tf from '@tensorflow/tfjs-core';
import type { StepLossData } from './loss-terms.js';

/** Disposes a step's teacher logits and CORAL target features. */
export function disposeStepData(data: StepLossData): void {
  tf.dispose([...(data.teacherLogits ? [data.teacherLogits] : []), ...data.coralTargets]);
}
