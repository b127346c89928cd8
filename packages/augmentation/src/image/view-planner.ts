import {
  type AugmentOptions,
  type ImageAugmentation,
  type ImageBatch,
  type ImageView,
  type ImageViewPlanner,
  SeededRandom,
} from '@graft/core';
import { cropRegion } from './functional/crop-region.js';
import type { ImageOp } from './image-op.js';

/** How the op at `position` of a pipeline is seeded from the call's seed. */
export type OpSeed = (seed: number, position: number) => number;

/**
 * The leading `randomResizedCrop` and/or horizontal `randomFlip` of `ops` as per-image views
 * (see `ImageViewPlanner` in `@graft/core`), or `undefined` when `ops` starts otherwise. Each
 * planned op draws from the same seeded stream, in the same order, as its `apply`, so the crop
 * boxes and flips are the ones the tensor path would make for that seed; only the resampling
 * differs (the decoder's instead of `cropAndResize`).
 */
export function viewPlannerOf(
  ops: readonly ImageOp[],
  opSeed: OpSeed,
): ImageViewPlanner | undefined {
  let crop: { position: number; op: ImageOp } | undefined;
  let flip: { position: number; op: ImageOp } | undefined;
  let next = 0;
  if (ops[next]?.name === 'randomResizedCrop')
    crop = { position: next, op: ops[next++] as ImageOp };
  const candidate = ops[next];
  if (candidate?.name === 'randomFlip' && candidate.options.mode === 'horizontal') {
    flip = { position: next++, op: candidate };
  }
  if (crop === undefined && flip === undefined) return undefined;
  const restOps = ops.slice(next);
  const firstRest = next;
  const cropOptions = crop?.op.options as
    | { size: [number, number]; scale: [number, number]; ratio: [number, number] }
    | undefined;
  const flipChance = (flip?.op.options.probability as number | undefined) ?? 0;
  return {
    outputSize: (frame) => cropOptions?.size ?? frame,
    views({ seed, count, frame }): ImageView[] {
      const [height, width] = frame;
      const cropRandom = crop ? new SeededRandom(opSeed(seed, crop.position)) : undefined;
      const flipRandom = flip ? new SeededRandom(opSeed(seed, flip.position)) : undefined;
      const regions = Array.from({ length: count }, () =>
        cropRandom && cropOptions
          ? cropRegion(cropRandom, height, width, cropOptions.scale, cropOptions.ratio)
          : { top: 0, left: 0, height, width },
      );
      // randomFlip draws every image's flip in order, as these do.
      const flips = Array.from({ length: count }, () => flipRandom?.bernoulli(flipChance) ?? false);
      return regions.map((region, index) => ({ ...region, flipHorizontal: flips[index] === true }));
    },
    rest: restOps.length === 0 ? undefined : restOf(restOps, firstRest, opSeed),
  };
}

/** `ops` run in order with the seeds they have at `first…` in the whole pipeline. */
function restOf(ops: readonly ImageOp[], first: number, opSeed: OpSeed): ImageAugmentation {
  return {
    name: 'compose',
    apply(batch: ImageBatch, options: AugmentOptions): ImageBatch {
      let current = batch;
      ops.forEach((op, index) => {
        const next = op.apply(current, { ...options, seed: opSeed(options.seed, first + index) });
        if (current !== batch) {
          current.images.dispose();
          current.labels.dispose();
        }
        current = next;
      });
      return current;
    },
    toConfig() {
      return { name: 'compose', options: { ops: ops.map((op) => op.toConfig()) } };
    },
  };
}
