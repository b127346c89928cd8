/** Backbone used when `--backbone` is not given: small, fast on wasm, strong ImageNet features. */
export const defaultBackboneName = 'mobilenet_v2_1.0_224';

/**
 * How the CLI resizes images for MobileNetV2: shorter side to 256, centre 224 (torchvision's
 * `Resize(256) + CenterCrop(224)`). On ants/bees it beat the stretch default by 2–4 points of
 * validation accuracy (tooling/acceptance). Other families carry their own policy.
 */
export const mobileNetV2Resize = {
  mode: 'center-crop',
  cropFraction: 0.875,
  interpolation: 'bilinear',
} as const;

/** Extra `createBackbone` options the CLI passes for a backbone family. */
export function backboneOptionsFor(name: string): { resize?: typeof mobileNetV2Resize } {
  return name.startsWith('mobilenet_v2') ? { resize: mobileNetV2Resize } : {};
}
