/** The seed of augmentation for one batch of one pass: stable across runs and resumes. */
export function augmentationSeed(seed: number, pass: number, batch: number): number {
  return (
    (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(pass + 1, 0xc2b2ae35) + batch * 7919) >>>
    0
  );
}
