import type { BenchRow } from '@graft/bench-kit';
import { trainOnnxRow } from './train-onnx.js';

export default async (): Promise<BenchRow[]> => [await trainOnnxRow('mobilenet_v3_small', 2, 1, 3)];
