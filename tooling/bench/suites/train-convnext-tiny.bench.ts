import type { BenchRow } from '@graft/bench-kit';
import { trainRow } from './train.js';

export default async (): Promise<BenchRow[]> => [await trainRow('convnext_tiny', 1)];
