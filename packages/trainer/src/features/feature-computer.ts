// The interface lives in @graft/core so that engines outside the trainer (`@graft/onnx`)
// implement it without depending on the trainer; re-exported here for existing imports.
export type { FeatureComputer, FeatureEngine, PreprocessedBatch } from '@graft/core';
