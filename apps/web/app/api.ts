// Types of the dashboard server's JSON API (src/server), as the browser sees them.

export interface EpochRecord {
  epoch: number;
  metrics: Record<string, number>;
}

export interface ParsedHistory {
  epochs: EpochRecord[];
  skippedLines: number;
  finished: boolean;
}

export interface RunSummary {
  name: string;
  updatedAt: string;
  epochs: number;
  hasReport: boolean;
  hasModel: boolean;
  backbone?: string;
  mode?: string;
}

export interface EvaluationSection {
  count: number;
  loss: number;
  accuracy: number;
  macroF1: number;
  /** Mean recall over classes with examples; absent in reports written before it existed. */
  balancedAccuracy?: number;
  classNames: string[];
  confusionMatrix: number[][];
  /** Multi-label (sigmoid) runs: `perClass` is per label and the confusion matrix is empty. */
  multiLabel?: {
    threshold: number;
    exactMatch: number;
    hammingAccuracy: number;
    microF1: number;
    macroF1: number;
  };
  perClass: Array<{
    className: string;
    precision: number;
    recall: number;
    f1: number;
    support: number;
  }>;
  misclassified: Array<{
    index: number;
    source?: string;
    label: number;
    predicted: number;
    confidence: number;
    topK?: Array<{ label: number | string; probability: number }>;
  }>;
}

export interface RunDetails extends RunSummary {
  config: Record<string, unknown> | null;
  history: ParsedHistory;
  report: { validation?: EvaluationSection; test?: EvaluationSection; bestEpoch?: number } | null;
}

/** GETs JSON from the server, with an error naming the URL. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** URL of a path of the API, relative to the page (the app may be served under a prefix). */
export function apiUrl(...segments: Array<string | number>): string {
  return `api/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`;
}
