// The onnxruntime-node side of `pnpm bench`: forward passes of the same architectures as the
// Graft forward rows (workload 1), on the CPU execution provider with the PyTorch side's thread
// count, as the practical ceiling on these cores. The ONNX models are exported at bench time by
// Debian's torch (../pytorch/export_onnx.py) into bench-results/onnx/ and reused from there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** Architectures with an exporter, by PyTorch key (the middle part of a `forward/…/b32` key). */
const architectures = ['mobilenet_v2_0.35', 'mobilenet_v2_1.0', 'resnet18', 'resnet50'];
const opset = 13;

/**
 * Runs ./forward.mjs for every `forward/<architecture>/b<batch>` key, each in its own process.
 * Returns `{ versions, rows, failures }`, or `{ reason }` when nothing could be measured.
 * @param {{ keys: string[], output: string, timeoutSeconds: number }} options
 */
export function runOnnxruntime(options) {
  if (process.env.GRAFT_BENCH_ONNXRUNTIME === '0') return { reason: 'GRAFT_BENCH_ONNXRUNTIME=0' };
  const keys = [...new Set(options.keys)].filter((key) => {
    const [workload, architecture] = key.split('/');
    return workload === 'forward' && architectures.includes(architecture);
  });
  if (keys.length === 0) return { reason: 'no Graft forward workload ran' };
  let version;
  try {
    version = JSON.parse(
      readFileSync(join(import.meta.dirname, '../node_modules/onnxruntime-node/package.json')),
    ).version;
  } catch {
    return { reason: 'onnxruntime-node is not installed (pnpm install)' };
  }
  const python = process.env.GRAFT_PYTHON ?? '/usr/bin/python3';
  const threads = Number(process.env.GRAFT_BENCH_THREADS ?? cpus().length);
  const threadList = threads > 1 ? [threads, 1] : [threads];
  const cache = join(options.output, 'onnx');
  mkdirSync(cache, { recursive: true });
  const rows = [];
  const failures = [];
  let torchChecked;
  const withoutTorch = [];
  for (const key of keys) {
    const [, architecture, batchName] = key.split('/');
    const batch = Number(batchName.slice(1));
    const model = join(cache, `${architecture}-features-b${batch}-224-opset${opset}.onnx`);
    if (!existsSync(model)) {
      torchChecked ??= spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
      if (torchChecked.status !== 0) {
        withoutTorch.push(architecture);
        continue;
      }
      console.log(`== export ${architecture} to ONNX (${python}, torch.onnx.export)`);
      const exported = spawnSync(
        python,
        [
          join(import.meta.dirname, '../pytorch/export_onnx.py'),
          architecture,
          model,
          String(batch),
          '224',
          String(opset),
        ],
        { stdio: 'inherit' },
      );
      if (exported.status !== 0) {
        failures.push(`${key}: export_onnx.py exited with ${exported.status}`);
        continue;
      }
    }
    console.log(`== onnxruntime-node ${key}`);
    const rowsFile = join(options.output, `.onnxruntime-${architecture}.json`);
    rmSync(rowsFile, { force: true });
    const run = spawnSync(
      process.execPath,
      [join(import.meta.dirname, 'forward.mjs'), key, model, rowsFile, threadList.join(',')],
      {
        stdio: 'inherit',
        timeout: options.timeoutSeconds > 0 ? options.timeoutSeconds * 1000 : undefined,
        killSignal: 'SIGKILL',
      },
    );
    if (run.status !== 0 || !existsSync(rowsFile)) {
      failures.push(
        `${key}: onnxruntime/forward.mjs ${run.signal ? `killed by ${run.signal} (limit ${options.timeoutSeconds} s)` : `exited with ${run.status}`}`,
      );
      continue;
    }
    rows.push(...JSON.parse(readFileSync(rowsFile, 'utf8')));
  }
  if (withoutTorch.length > 0)
    failures.unshift(
      `${withoutTorch.join(', ')}: ${python} cannot import torch/torchvision to export the ONNX models (apt-get install python3-torch python3-torchvision), and ${cache} has none`,
    );
  if (rows.length === 0) return { reason: failures.join('; ') };
  return {
    versions: { onnxruntime: version, threads, opset, executionProvider: 'cpu' },
    rows,
    failures,
  };
}
