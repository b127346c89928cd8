import { type FeatureStore, MemoryFeatureStore } from '@graft/trainer';

/**
 * An in-memory feature store that counts what it saves and serves, so `--folds` can say (and
 * its tests check) that each image was featurised once and reused by the later folds.
 */
export class CountingFeatureStore implements FeatureStore {
  private readonly store = new MemoryFeatureStore();
  /** Feature vectors computed and stored (cache misses). */
  computed = 0;
  /** Lookups answered from the store (cache hits). */
  reused = 0;

  async get(key: string): Promise<Float32Array | undefined> {
    const features = await this.store.get(key);
    if (features !== undefined) this.reused++;
    return features;
  }

  async set(key: string, features: Float32Array): Promise<void> {
    this.computed++;
    await this.store.set(key, features);
  }
}
