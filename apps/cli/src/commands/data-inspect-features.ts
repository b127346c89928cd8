import { createBackbone } from '@graft/backbones';
import type { DuplicateCandidate } from '@graft/datasets';
import { FileImageDataset } from '@graft/datasets/node';
import { extractFeatures } from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import { backboneOptionsFor } from '../pipeline/defaults.js';
import { selectBackend } from '../pipeline/select-backend.js';

/**
 * A `features` callback for `findImageDuplicates`: runs the pretrained `backboneName` over the
 * distinct images and returns its pooled features per content key. Images that fail to decode
 * are skipped (they get no vector).
 */
export function backboneDuplicateFeatures(
  backboneName: string,
  output: CommandOutput,
): (images: readonly DuplicateCandidate[]) => Promise<ReadonlyMap<string, Float32Array>> {
  return async (images) => {
    await selectBackend();
    const backbone = await createBackbone(backboneName, {
      pretrained: true,
      ...backboneOptionsFor(backboneName),
    });
    try {
      const classCount = images.reduce((largest, image) => Math.max(largest, image.label), 0) + 1;
      const data = new FileImageDataset({
        files: images.map((image) => ({ path: image.path, label: image.label })),
        // Labels do not affect features; the names only need to cover the indices.
        classNames: Array.from({ length: classCount }, (_, index) => String(index)),
        imageSize: backbone.preprocessing.inputSize,
        resize: backbone.preprocessing.resize,
        onBadImage: 'skip',
      });
      const progress = output.progress();
      progress.start({ label: `features ${backboneName}`, total: data.size, unit: 'img' });
      const { table } = await extractFeatures({
        backbone,
        data,
        batchSize: 32,
        onProgress: (done) => progress.update(done),
      });
      progress.stop();
      const keyOf = new Map(images.map((image) => [image.path, image.key]));
      const features = new Map<string, Float32Array>();
      for (let row = 0; row < table.count; row++) {
        const key = keyOf.get(table.sources[row] ?? '');
        if (key === undefined) continue;
        features.set(
          key,
          table.features.slice(row * table.featureDim, (row + 1) * table.featureDim),
        );
      }
      return features;
    } finally {
      backbone.dispose();
    }
  };
}
