import { cpus, freemem, totalmem } from 'node:os';
import { defaultCacheDir, defaultMirrorDirs } from '@graft/core/node';
import { type JpegDecoderInfo, jpegDecoder } from '@graft/datasets/node';
import { type BackendReport, formatBackendReport } from '@graft/runtime';
import { type CudaProbe, formatCudaProbe, probeCuda } from '@graft/runtime/node';
import type { Command } from 'commander';
import { listCache } from '../cache/cache-inventory.js';
import type { CommandOutput } from '../output.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { collectEngineReport, type EngineReport, formatEngineReport } from './doctor-engine.js';

/** Facts `graft doctor` reports. */
export interface DoctorReport {
  node: string;
  platform: string;
  cores: number;
  cpuModel: string;
  memoryGiB: { total: number; free: number };
  cacheDir: string;
  mirrorDirs: string[];
  sharedDir: string | undefined;
  offline: boolean;
  /** Which JPEG decoder the data pipeline uses (libjpeg-turbo or sharp), and why. */
  jpegDecoder: JpegDecoderInfo;
  /** Which backend was chosen and why each other candidate was not. */
  backend?: BackendReport;
  /** Why the backend could not be initialised at all, if so. */
  backendError?: string;
  /** The CUDA 11 / cuDNN 8 libraries tfjs-node-gpu needs, found or missing. */
  cuda?: CudaProbe;
  /** Whether onnxruntime-node loads and which feature engine `--engine auto` picks, and why. */
  engine?: EngineReport;
  /** Size of each kind in the cache folder (`graft cache ls` details them). */
  cacheUsage?: { kind: string; entries: number; bytes: number }[];
}

/** Collects machine facts and where files resolve (no tfjs backend needed). */
export function collectDoctorReport(): DoctorReport {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: { total: round(totalmem() / 2 ** 30), free: round(freemem() / 2 ** 30) },
    cacheDir: defaultCacheDir(),
    mirrorDirs: defaultMirrorDirs(),
    sharedDir: process.env.GRAFT_SHARED_DIR || undefined,
    offline: process.env.GRAFT_OFFLINE === '1',
    jpegDecoder: jpegDecoder(),
  };
}

/** `12.3 MiB: features 2.0 MiB, onnx 10.3 MiB` (kinds holding nothing left out). */
function describeCacheUsage(usage: DoctorReport['cacheUsage']): string {
  const used = (usage ?? []).filter((kind) => kind.bytes > 0);
  const total = used.reduce((sum, kind) => sum + kind.bytes, 0);
  if (used.length === 0) return 'empty';
  return `${mebibytes(total)} in use: ${used.map((kind) => `${kind.kind} ${mebibytes(kind.bytes)}`).join(', ')}`;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `graft doctor`: which backends load and why not, cores, memory, where files resolve. */
export function registerDoctorCommand(program: Command, output: CommandOutput): void {
  program
    .command('doctor')
    .description(
      'show backends (and why others did not load), the JPEG decoder, the feature engine --engine auto picks (ONNX Runtime or tfjs) and why, CUDA libraries, cores, memory, and where weights, cache and mirror resolve',
    )
    .action(async () => {
      const report = collectDoctorReport();
      try {
        report.backend = await selectBackend();
      } catch (error) {
        report.backendError = error instanceof Error ? error.message : String(error);
      }
      if (process.platform === 'linux') report.cuda = await probeCuda();
      if (report.backend) report.engine = await collectEngineReport();
      report.cacheUsage = (await listCache(report.cacheDir)).map(({ kind, entries, bytes }) => ({
        kind,
        entries,
        bytes,
      }));
      if (output.json) {
        output.result(JSON.stringify(report, null, 2));
        return;
      }
      const lines = [
        `node        ${report.node} (${report.platform})`,
        `cores       ${report.cores} × ${report.cpuModel}`,
        `memory      ${report.memoryGiB.total} GiB total, ${report.memoryGiB.free} GiB free`,
        `cache       ${report.cacheDir}  (GRAFT_CACHE_DIR)`,
        `            ${describeCacheUsage(report.cacheUsage)}  (graft cache ls | clear)`,
        `mirror      ${report.mirrorDirs.length > 0 ? report.mirrorDirs.join(', ') : '(none)'}  (GRAFT_MIRROR)`,
        `shared      ${report.sharedDir ?? '(unset)'}  (GRAFT_SHARED_DIR)`,
        `downloads   ${report.offline ? 'disabled (GRAFT_OFFLINE=1)' : 'allowed'}`,
        `jpeg        ${report.jpegDecoder.name}: ${report.jpegDecoder.reason}  (GRAFT_JPEG_DECODER)`,
        '',
        'backends',
        ...(report.backend
          ? formatBackendReport(report.backend).map((line) => `  ${line}`)
          : [`  none could be initialised: ${report.backendError}`]),
      ];
      if (report.engine) {
        lines.push(
          '',
          'feature engine (--engine auto)',
          ...formatEngineReport(report.engine).map((line) => `  ${line}`),
        );
      }
      if (report.cuda) {
        lines.push(
          '',
          'CUDA for tfjs-node-gpu',
          ...formatCudaProbe(report.cuda).map((line) => `  ${line}`),
        );
      }
      output.result(lines.join('\n'));
    });
}
