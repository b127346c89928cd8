import type { BenchRow } from '@graft/bench-kit';
import { trainWorkersRow, workerCounts } from './train-workers.js';

export default async (): Promise<BenchRow[]> => {
  const rows: BenchRow[] = [];
  for (const workers of workerCounts()) {
    rows.push(await trainWorkersRow('mobilenet_v2_1.0', workers, 2));
  }
  return rows;
};
