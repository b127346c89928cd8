import type { BenchRow } from '@graft/bench-kit';
import { trainRow } from './train.js';

export default async (): Promise<BenchRow[]> => [await trainRow('efficientnet_b0', 1)];
