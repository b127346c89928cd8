import type { BenchRow } from '@graft/bench-kit';
import { forwardWorkersRow } from './forward.js';

export default async (): Promise<BenchRow[]> => [await forwardWorkersRow('resnet50', 2)];
