import type { BenchRow } from '@graft/bench-kit';
import { forwardOnnxEngineRow } from './forward-onnx-engine.js';

export default async (): Promise<BenchRow[]> => [await forwardOnnxEngineRow('efficientnet_b2', 5)];
