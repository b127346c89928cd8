import { GraftError } from '@graft/core';
import type { BackendReport } from './backend-report.js';
import { formatBackendReport } from './format-backend-report.js';

const marker = 'graft.error.BackendUnavailableError';
const symbol = Symbol.for(marker);

/** No candidate backend (or not the one asked for) could be initialised. */
export class BackendUnavailableError extends GraftError {
  protected readonly [symbol] = true;
  /** The report of every candidate tried, with `chosen` empty. */
  readonly report: BackendReport;

  constructor(options: {
    /** The report of every candidate tried. */
    report: BackendReport;
  }) {
    const asked = options.report.preferred
      ? `The requested backend ${JSON.stringify(options.report.candidates.find((c) => c.status !== 'not-requested')?.name)} is unavailable`
      : 'No backend could be initialised';
    super({
      code: 'BACKEND_UNAVAILABLE',
      message: `${asked}.\n${formatBackendReport(options.report).join('\n')}`,
    });
    this.name = 'BackendUnavailableError';
    this.report = options.report;
  }

  static override isInstance(error: unknown): error is BackendUnavailableError {
    return GraftError.hasMarker(error, marker);
  }
}
