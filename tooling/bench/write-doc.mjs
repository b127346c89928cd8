// Writes docs/benchmarks.md from the last `pnpm bench` (bench-results/results.{json,md}): an intro
// with the date, machine and load, the speed targets of issue 10 checked against the table, the
// table itself, and the hand-written analysis in notes.md (profiles of the missed targets).
// Run: node tooling/bench/write-doc.mjs [output] (default docs/benchmarks.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const result = JSON.parse(readFileSync(join(root, 'bench-results/results.json'), 'utf8'));
const table = readFileSync(join(root, 'bench-results/results.md'), 'utf8');
const notes = readFileSync(join(import.meta.dirname, 'notes.md'), 'utf8');

const machine = result.machine;
/** The highest 1-minute load seen: above the core count, other jobs competed with the run. */
function busiestLoad() {
  return Math.max(
    machine.loadAverage[0],
    machine.loadAverageAtEnd[0],
    ...result.rows.map((row) => row.loadAverage ?? 0),
  );
}

/** The Graft row with the best ratio for a PyTorch key (e.g. 1 thread vs 2 workers). */
function best(compare) {
  return result.rows
    .filter((row) => row.compare === compare && row.ratio !== undefined)
    .sort((a, b) => b.ratio - a.ratio)[0];
}

const targets = [
  ['Feature extraction, MobileNetV2 1.0 b32 (workload 1)', 'forward/mobilenet_v2_1.0/b32', 1.0],
  ['Fine-tuning step, MobileNetV2 1.0 b16 (workload 2)', 'train/mobilenet_v2_1.0/b16', 0.5],
  ['Data pipeline: decode + random resized crop + flip (workload 3)', 'pipeline/augment/224', 2.0],
];
/** A ratio target (Graft / PyTorch ≥ goal on a compare key) as a table line. */
function ratioTargetLine([label, key, goal], goalSuffix = '') {
  const row = best(key);
  if (!row) return `| ${label} | ≥ ${goal.toFixed(1)}x${goalSuffix} | not measured | | | |`;
  const met = row.ratio >= goal;
  const by = met
    ? `met, ${((row.ratio / goal - 1) * 100).toFixed(0)} % above`
    : `**missed**: ${row.ratio.toFixed(2)}x against ${goal.toFixed(1)}x, Graft needs to be ${(goal / row.ratio).toFixed(2)}x faster`;
  return `| ${label} | ≥ ${goal.toFixed(1)}x${goalSuffix} | ${row.value.toFixed(2)} ${row.unit} (${row.name}) | ${row.pytorch.toFixed(2)} | ${row.ratio.toFixed(2)}x | ${by} |`;
}
const lines = targets.map((target) => ratioTargetLine(target));
const e2eVerdict = (row) => {
  if (row.ratio === undefined) return 'not checked: no PyTorch figure';
  return row.ratio >= 1
    ? `met, ${row.ratio.toFixed(2)}x faster`
    : `**missed**: PyTorch is ${(1 / row.ratio).toFixed(2)}x faster`;
};
/** A time-to-accuracy row (compare key) as a target line. */
function timeToAccuracyLine(label, compare) {
  const row = result.rows.find((candidate) => candidate.compare === compare);
  if (!row) return `| ${label} | faster than PyTorch | not measured | | | |`;
  // The PyTorch side records a recipe that never reached the target under `<key>/not-reached`.
  const unreached = (result.pytorchOnlyRows ?? []).find(
    (candidate) => candidate.compare === `${compare}/not-reached`,
  );
  if (row.pytorch === undefined && unreached) {
    return `| ${label} | faster than PyTorch | ${row.value.toFixed(1)} s wall; ${row.notes} | not reached: ${unreached.name}, ${unreached.value.toFixed(1)} s | | met: Graft reached the target in ${row.value.toFixed(1)} s; PyTorch's recipe had not after ${unreached.value.toFixed(1)} s |`;
  }
  return `| ${label} | faster than PyTorch | ${row.value.toFixed(1)} s wall; ${row.notes} | ${row.pytorch === undefined ? 'not measured' : `${row.pytorch.toFixed(1)} s`} | ${row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`} | ${e2eVerdict(row)} |`;
}
lines.push(
  timeToAccuracyLine(
    'End-to-end time to ≥ 0.93 val accuracy (workload 4)',
    'e2e/ants-bees/val-0.93',
  ),
);

// Issue 18: fine-tuning speed (the step on 1 and 2 workers, ResNet18, scaling, time to accuracy).
const targets18 = [
  [
    'Fine-tuning step, MobileNetV2 1.0 b16, all layers (best of threads/workers)',
    'train/mobilenet_v2_1.0/b16',
    0.5,
  ],
  ['Fine-tuning step, ResNet18 b16, all layers', 'train/resnet18/b16', 0.3],
].map((target) => ratioTargetLine(target, ' PyTorch'));
const workerRow = (count) =>
  result.rows.find(
    (row) =>
      row.compare === 'train/mobilenet_v2_1.0/b16' &&
      row.name.endsWith(`, ${count} training worker${count === 1 ? '' : 's'}`),
  );
const [oneWorker, twoWorkers] = [workerRow(1), workerRow(2)];
targets18.push(
  oneWorker && twoWorkers
    ? `| Scaling, fine-tuning step 1 → 2 training workers | ≥ 1.8x | ${oneWorker.value.toFixed(2)} → ${twoWorkers.value.toFixed(2)} images/s | | ${(twoWorkers.value / oneWorker.value).toFixed(2)}x | ${twoWorkers.value / oneWorker.value >= 1.8 ? 'met' : '**missed**'}${Math.max(oneWorker.loadAverage ?? 0, twoWorkers.loadAverage ?? 0) > machine.cpus + 0.5 ? ' (other jobs shared the cores: see the load column)' : ''} |`
    : '| Scaling, fine-tuning step 1 → 2 training workers | ≥ 1.8x | not measured | | | |',
  timeToAccuracyLine(
    "Time to ≥ 0.95 val accuracy with fine-tuning (staged unfreeze vs the PyTorch tutorial's fine-tuning)",
    'e2e/ants-bees/fine-tune-val-0.95',
  ),
);

// The onnxruntime column: versions, or why it could not be produced (older results: not run).
const onnxruntimeSide =
  result.onnxruntime === undefined
    ? 'not run in this table.'
    : typeof result.onnxruntime === 'string'
      ? `the column could not be produced (${result.onnxruntime}).`
      : `onnxruntime-node ${result.onnxruntime.onnxruntime}, opset ${result.onnxruntime.opset}, \`graphOptimizationLevel: 'all'\`, ${result.onnxruntime.threads} intra-op threads for the \`onnxruntime\` column and \`Graft / ORT\` ratio (the PyTorch side's thread count), plus 1-thread rows. It is the practical ceiling on these cores.`;
const ceiling = result.rows
  .filter((row) => row.compare === 'forward/mobilenet_v2_1.0/b32' && row.ratioOnnxruntime)
  .sort((a, b) => b.ratioOnnxruntime - a.ratioOnnxruntime)[0];
const ceilingLine = ceiling
  ? `\nAgainst onnxruntime-node on the same cores (${ceiling.onnxruntime.toFixed(2)} images/s), Graft's best MobileNetV2 1.0 forward row (${ceiling.name}) reaches ${ceiling.ratioOnnxruntime.toFixed(2)}x.\n`
  : '';

const busiest = busiestLoad();
const doc = `# Benchmarks

Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC with \`pnpm bench\` (${Math.round(result.seconds / 60)} min) on the project's
shared machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, TensorFlow.js 4.22
wasm backend (one thread per instance in Node); PyTorch side: ${typeof result.pytorch === 'string' ? result.pytorch : `Debian's torch ${result.pytorch.torch} / torchvision ${result.pytorch.torchvision} / Pillow ${result.pytorch.pillow}, ${result.pytorch.threads} threads`}, same
workloads, same shapes, run in the same invocation after the Graft suites. Load average
(1/5/15 min) ${machine.loadAverage.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end: ${busiest > machine.cpus ? `**other jobs shared the cores during the run (1-minute load up to ${busiest}), so figures are noisy**` : 'no more runnable work than cores'} (the \`load\` column gives the
1-minute average as each row finished).

## Reproduce

\`\`\`sh
pnpm install                 # the README's setup; nothing else is installed at run time
apt-get install python3-torch python3-torchvision python3-h5py   # optional: PyTorch and onnxruntime columns (h5py: the end-to-end row's Keras weights)
pnpm bench                   # all suites → bench-results/results.{json,md}
pnpm bench suites/forward    # only files whose path matches (comma-separated: any of them)
node tooling/bench/write-doc.mjs   # this page from the last run
\`\`\`

Every \`packages/*/bench/*.bench.ts\`, \`apps/*/bench/*.bench.ts\` and \`tooling/bench/suites/*.bench.ts\`
runs in its own process (TypeScript sources through tsx), so \`peak RSS\` is that process's peak
up to the row. Each figure is the median of 2–5 timed runs after one warm-up run. A file that
exceeds \`GRAFT_BENCH_SUITE_SECONDS\` (default 180) is stopped and the rows it measured are kept;
the pure-JS \`cpu\` training rows are skipped unless \`GRAFT_BENCH_SKIP_CPU=0\`. Rows with a
\`compare\` key are run again by \`tooling/bench/pytorch/workloads.py\`, which gives the PyTorch
figure and the ratio (above 1 = Graft faster). The forward rows are also run in onnxruntime-node
(CPU execution provider, \`tooling/bench/onnxruntime/\`) on models that Debian's torch exports at
bench time (\`torch.onnx.export\`, cached in \`bench-results/onnx/\`): ${onnxruntimeSide}

## Targets (issue 10)

| target | goal (Graft / PyTorch) | Graft | PyTorch | ratio | verdict |
|---|---|---|---:|---:|---|
${lines.join('\n')}
${ceilingLine}
## Targets (issue 18: fine-tuning speed)

| target | goal | Graft | PyTorch | ratio | verdict |
|---|---|---|---:|---:|---|
${targets18.join('\n')}

The forward rows time the network the trainer's feature extraction runs, \`backbone.inferenceModel()\`
(BatchNorm folded into the convolutions, ReLU6 fused; \`@graft/backbones\`). "2 workers" rows run two
\`worker_threads\`, each with its own wasm backend and backbone, each on its own batch of 32
(\`tooling/bench/suites/forward-worker.ts\`) — what \`createFeatureWorkerPool\` in
\`@graft/trainer/node\` does for \`graft train\` (\`--extraction-workers auto\`, the default).

${notes.trim()}

## Table

${table.trim()}
`;
writeFileSync(resolve(process.argv[2] ?? join(root, 'docs/benchmarks.md')), doc);
console.log(doc);
