import type { BenchRow } from '@graft/bench-kit';
import { forwardWorkersRow } from './forward.js';

export default async (): Promise<BenchRow[]> => [await forwardWorkersRow('mobilenet_v2_1.0', 3)];
