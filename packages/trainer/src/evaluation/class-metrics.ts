/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  /** The class name. */
  className: string;
  /** True positives / predicted positives (0 when nothing was predicted as this class). */
  precision: number;
  /** True positives / actual positives (0 when the class has no examples). */
  recall: number;
  /** Harmonic mean of precision and recall. */
  f1: number;
  /** Number of examples of this class. */
  support: number;
}
