export { expectNoTensorLeaks } from './expect-no-tensor-leaks.js';
export { randomImages, type TinyBackboneOptions, tinyBackbone } from './tiny-backbone.js';
