/** Features of a whole dataset (one pass), held in memory as flat float32 arrays. */
export interface FeatureTable {
  /** Number of rows (images). */
  count: number;
  /** Length of one feature vector. */
  featureDim: number;
  /** Number of classes (columns of {@link targets}). */
  numClasses: number;
  /** `count × featureDim` features, row-major. */
  features: Float32Array;
  /** `count × numClasses` float targets (one-hot, or soft after mixup). */
  targets: Float32Array;
  /** Integer label per row (arg-max of the target). */
  labels: Int32Array;
  /** Image sources, when the dataset gives them. */
  sources: Array<string | undefined>;
}
