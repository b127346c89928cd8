import type { BatchOptions } from '@graft/core';

/** {@link BatchOptions} plus the sampling choices of this package's datasets. */
export interface DatasetBatchOptions extends BatchOptions {
  /**
   * `sequential` (default): every image once per epoch, in order or shuffled.
   * `balanced`: `size` draws per epoch, each picking a class uniformly and then one of its
   * images uniformly (with replacement), so rare classes are seen as often as common ones.
   */
  sampling?: 'sequential' | 'balanced';
}
