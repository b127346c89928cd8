import type { BenchRow } from '@graft/bench-kit';
import { forwardRow } from './forward.js';

export default async (): Promise<BenchRow[]> => [await forwardRow('mobilenet_v3_large', 3)];
