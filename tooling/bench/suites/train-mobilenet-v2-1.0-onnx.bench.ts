import type { BenchRow } from '@graft/bench-kit';
import { trainOnnxRow } from './train-onnx.js';

// 1 and 2 intra-op threads: the scaling row of issue 18.
export default async (): Promise<BenchRow[]> => [
  await trainOnnxRow('mobilenet_v2_1.0', 1, 3),
  await trainOnnxRow('mobilenet_v2_1.0', 2, 3),
];
