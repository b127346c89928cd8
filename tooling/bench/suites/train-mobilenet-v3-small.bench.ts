import type { BenchRow } from '@graft/bench-kit';
import { trainRow } from './train.js';

export default async (): Promise<BenchRow[]> => [await trainRow('mobilenet_v3_small', 1)];
