import type { BenchRow } from '@graft/bench-kit';
import { forwardWorkersRow } from './forward.js';

export default async (): Promise<BenchRow[]> => [await forwardWorkersRow('mobilenet_v2_0.35', 3)];
