/** Backbone used when `--backbone` is not given: small, fast on wasm, strong ImageNet features. */
export const defaultBackboneName = 'mobilenet_v2_1.0_224';
