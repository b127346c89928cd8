import type { BenchRow } from '@graft/bench-kit';
import { trainOnnxRow } from './train-onnx.js';

export default async (): Promise<BenchRow[]> => [await trainOnnxRow('resnet18', 2, 1, 3)];
