import type { BackendReport, CandidateOutcome } from './backend-report.js';

const statusText: Record<CandidateOutcome['status'], string> = {
  chosen: 'chosen',
  'not-installed': 'not installed',
  'load-failed': 'failed to load',
  'init-failed': 'failed to initialise',
  'not-tried': 'not tried',
  'not-requested': 'not requested',
};

/**
 * The report as text lines for a terminal (`graft doctor`, the start of a training run):
 * the chosen backend first, then one line per other candidate saying why not.
 */
export function formatBackendReport(report: BackendReport): string[] {
  const lines: string[] = [];
  const chosen = report.candidates.find((candidate) => candidate.status === 'chosen');
  if (chosen === undefined) {
    lines.push(`Backend: none available (${report.environment})`);
  } else {
    const kernels =
      report.wasmTrainingKernels.length > 0
        ? `; registered wasm training kernels: ${report.wasmTrainingKernels.join(', ')}`
        : '';
    lines.push(
      `Backend: ${chosen.name} (tfjs backend "${report.tfjsBackend}" from ${chosen.packageName}${report.preferred ? ', as requested' : ''})${kernels}`,
    );
  }
  const width = Math.max(...report.candidates.map((candidate) => candidate.name.length));
  for (const candidate of report.candidates) {
    if (candidate.status === 'chosen') continue;
    const detail = candidate.reason ?? '';
    lines.push(`  ${candidate.name.padEnd(width)}  ${statusText[candidate.status]}: ${detail}`);
  }
  return lines;
}
