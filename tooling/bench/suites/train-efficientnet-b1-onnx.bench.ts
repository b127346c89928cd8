import type { BenchRow } from '@graft/bench-kit';
import { trainOnnxRow } from './train-onnx.js';

export default async (): Promise<BenchRow[]> => [await trainOnnxRow('efficientnet_b1', 2, 1, 3)];
