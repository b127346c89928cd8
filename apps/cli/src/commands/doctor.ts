import { cpus, freemem, totalmem } from 'node:os';
import { defaultCacheDir, defaultMirrorDirs } from '@graft/core/node';
import type { Command } from 'commander';
import type { CommandOutput } from '../output.js';

/** Facts `graft doctor` reports. */
export interface DoctorReport {
  node: string;
  platform: string;
  cores: number;
  cpuModel: string;
  memoryGiB: { total: number; free: number };
  cacheDir: string;
  mirrorDirs: string[];
  offline: boolean;
}

/** Collects machine facts and where files resolve. */
export function collectDoctorReport(): DoctorReport {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: { total: round(totalmem() / 2 ** 30), free: round(freemem() / 2 ** 30) },
    cacheDir: defaultCacheDir(),
    mirrorDirs: defaultMirrorDirs(),
    offline: process.env.GRAFT_OFFLINE === '1',
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `graft doctor`: which backends load and why not, cores, memory, where files resolve. */
export function registerDoctorCommand(program: Command, output: CommandOutput): void {
  program
    .command('doctor')
    .description('show backends, cores, memory and where weights, cache and mirror resolve')
    .action(() => {
      const report = collectDoctorReport();
      if (output.json) {
        output.result(JSON.stringify(report, null, 2));
        return;
      }
      output.result(
        [
          `node        ${report.node} (${report.platform})`,
          `cores       ${report.cores} × ${report.cpuModel}`,
          `memory      ${report.memoryGiB.total} GiB total, ${report.memoryGiB.free} GiB free`,
          `cache       ${report.cacheDir}  (GRAFT_CACHE_DIR)`,
          `mirror      ${report.mirrorDirs.length > 0 ? report.mirrorDirs.join(', ') : '(none)'}  (GRAFT_MIRROR)`,
          `downloads   ${report.offline ? 'disabled (GRAFT_OFFLINE=1)' : 'allowed'}`,
        ].join('\n'),
      );
    });
}
