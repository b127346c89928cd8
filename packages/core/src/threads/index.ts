// `@graft/core/threads`: what worker threads hand each other, without tfjs. The threads that
// decode images or run ONNX Runtime import this (and `@graft/core/errors`, `@graft/core/images`)
// instead of the package's main entry, whose tfjs-core costs ~0.1 CPU-s to load in every thread.
export { ownedArray } from './owned-array.js';
