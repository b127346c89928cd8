/**
 * Where extracted features live between runs, keyed by a string that already names the
 * backbone weights, the preprocessing, the augmentation pass and the image. The in-memory store
 * lasts one process; `@graft/trainer/node` has a directory-backed store.
 */
export interface FeatureStore {
  /** The features stored under `key`, or `undefined`. */
  get(key: string): Promise<Float32Array | undefined>;
  /** Stores `features` under `key` (the store may keep the array as is). */
  set(key: string, features: Float32Array): Promise<void>;
}

/** A {@link FeatureStore} in a `Map`: fast, per process. */
export class MemoryFeatureStore implements FeatureStore {
  private readonly entries = new Map<string, Float32Array>();

  /** Number of stored feature vectors. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, features: Float32Array): Promise<void> {
    this.entries.set(key, features);
  }
}
