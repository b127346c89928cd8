import type { CoralLoss } from './coral.js';
import type { DistillationLoss } from './distillation.js';

/**
 * An extra loss term `train` accepts in both modes (`lossTerms: [distillation(…), coral(…)]`).
 * A distillation term replaces the hard-label loss by its mix; CORAL terms add to it.
 */
export type LossTerm = DistillationLoss | CoralLoss;
