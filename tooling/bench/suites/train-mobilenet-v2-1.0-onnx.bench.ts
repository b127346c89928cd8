import type { BenchRow } from '@graft/bench-kit';
import { trainOnnxRow } from './train-onnx.js';

// 1 worker × 1 thread, 1 worker × 2 intra-op threads, 2 workers × 1 thread: the scaling rows of
// issue 18 (the last is what graft train runs on 2 cores).
export default async (): Promise<BenchRow[]> => [
  await trainOnnxRow('mobilenet_v2_1.0', 1, 1, 3),
  await trainOnnxRow('mobilenet_v2_1.0', 1, 2, 3),
  await trainOnnxRow('mobilenet_v2_1.0', 2, 1, 3),
];
