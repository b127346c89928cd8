import type { CallbackContext, TrainLogs } from '@graft/core';
import type { TrainerCallback } from '@graft/trainer';
import { formatNumber, type ProgressRenderer } from '../progress/progress-renderer.js';

/** Options of {@link progressCallback}. */
export interface ProgressCallbackOptions {
  /** Where bars or lines go. */
  progress: ProgressRenderer;
  /** Training images per epoch (the bar counts images, so the rate is images/s). */
  trainImages: number;
  /** Told each finished epoch's logs (for the run log). */
  onEpoch?: (epoch: number, logs: TrainLogs) => void | Promise<void>;
}

/** A trainer callback that drives the progress renderer: featurising, then one bar per epoch. */
export function progressCallback(options: ProgressCallbackOptions): TrainerCallback {
  const { progress } = options;
  let extractionTask: string | undefined;
  let images = 0;
  let lossSum = 0;
  return {
    name: 'progress',
    onExtractionProgress({ pass, done, total }) {
      const label = pass === 'validation' ? 'features val' : `features pass ${pass + 1}`;
      if (extractionTask !== label) {
        extractionTask = label;
        progress.start({ label, total, unit: 'img' });
      }
      progress.update(done);
      if (done >= total) progress.stop();
    },
    onEpochBegin(epoch: number, context: CallbackContext) {
      if (extractionTask !== undefined) {
        progress.stop();
        extractionTask = undefined;
      }
      images = 0;
      lossSum = 0;
      progress.start({
        label: `epoch ${epoch + 1}/${context.epochs}`,
        total: options.trainImages,
        unit: 'img',
      });
    },
    onBatchEnd(_batch: number, logs: TrainLogs) {
      const size = logs.size ?? 0;
      images += size;
      lossSum += (logs.loss ?? 0) * size;
      progress.update(images, { loss: lossSum / Math.max(images, 1) });
    },
    async onEpochEnd(epoch: number, logs: TrainLogs, context: CallbackContext) {
      const parts = [`epoch ${epoch + 1}/${context.epochs}`];
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'images_per_second']) {
        const value = logs[key];
        if (value !== undefined)
          parts.push(`${key === 'images_per_second' ? 'img/s' : key} ${formatNumber(value)}`);
      }
      progress.stop(parts.join('  '));
      await options.onEpoch?.(epoch, logs);
    },
  };
}
