/** Options of {@link estimateRunBytes}. */
export interface RunSizeOptions {
  /** Parameters of the backbone (its descriptor's `parameterCount`); undefined when unknown. */
  parameterCount: number | undefined;
  /** `feature-extraction` (frozen backbone) or `fine-tune`. */
  mode: string;
  /** Checkpoints kept at once: the newest (`--keep-checkpoints`) plus the best (`--keep-best k`). */
  checkpointsKept: number;
}

/** Float32 weights and optimiser moments. */
const bytesPerValue = 4;
/** Head, JSON files, history, temp files: small, but a floor for tiny backbones. */
const allowanceBytes = 16 * 1024 * 1024;

/**
 * Bytes a training run writes at its largest, checked against the free space before training:
 * - `model/`: the whole backbone and head, 4 bytes per parameter;
 * - a checkpoint: in fine-tuning the weights and Adam's two moments, 3 × 4 bytes per parameter
 *   (MobileNetV2 0.35, 410k parameters: 4.7 MB measured); in feature extraction only the head;
 * - that times the checkpoints kept, plus one: the oldest is pruned only after the next one is
 *   complete;
 * - 16 MiB for the head, JSON files, history and temp files.
 * Unknown parameter counts count as 0 (only the allowance is checked).
 */
export function estimateRunBytes(options: RunSizeOptions): number {
  const parameters = options.parameterCount ?? 0;
  const model = parameters * bytesPerValue;
  const checkpoint = options.mode === 'fine-tune' ? 3 * parameters * bytesPerValue : 0;
  return model + (options.checkpointsKept + 1) * checkpoint + allowanceBytes;
}
