import cliProgress from 'cli-progress';

/** One progress task (an epoch, feature extraction, a download). */
export interface ProgressTask {
  /** Label shown before the bar, e.g. `epoch 3/10`. */
  label: string;
  /** Units of work (images, bytes). */
  total: number;
  /** Unit name, e.g. `img`. */
  unit: string;
  /** When the work began (ms, same clock as `now`), if before `start`. Default: now. */
  startedAt?: number;
}

/** Shows progress: a bar with ETA and rate on a TTY, a few plain lines elsewhere, nothing when quiet. */
export interface ProgressRenderer {
  /** Starts a task (ends the previous one). */
  start(task: ProgressTask): void;
  /** Reports `done` units so far, with metrics shown beside the bar (e.g. loss). */
  update(done: number, metrics?: Record<string, number>): void;
  /** Ends the current task (a TTY bar is cleared), printing `summary` on its own line if given. */
  stop(summary?: string): void;
}

/** Options of {@link createProgressRenderer}. */
export interface ProgressRendererOptions {
  /** `tty`: redrawn bar; `plain`: lines at 25 % steps; `none`: silent. */
  style: 'tty' | 'plain' | 'none';
  /** Where plain lines and summaries go (stderr). */
  write: (line: string) => void;
  /** The terminal stream a TTY bar draws on. Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
  /** Clock in ms (tests inject one). Default `performance.now`. */
  now?: () => number;
}

/** Creates the renderer that suits the output: TTY, plain lines, or none. */
export function createProgressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  if (options.style === 'none') {
    return { start() {}, update() {}, stop() {} };
  }
  return options.style === 'tty' ? ttyRenderer(options) : plainRenderer(options);
}

function formatMetrics(metrics: Record<string, number> | undefined): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([name, value]) => `${name} ${formatNumber(value)}`)
    .join('  ');
}

/** 4 significant digits, no exponent for usual values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(0) : Number(value.toPrecision(4)).toString();
}

function ttyRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const now = options.now ?? (() => performance.now());
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    start(task) {
      stopBar();
      startedAt = task.startedAt ?? now();
      bar = new cliProgress.SingleBar(
        {
          format: `{label} [{bar}] {percentage}% | {value}/{total} {unit} | {rate} {unit}/s | ETA {eta_formatted} {metrics}`,
          stream: options.stream ?? process.stderr,
          hideCursor: true,
          // The caller prints a one-line summary in the bar's place.
          clearOnComplete: true,
          etaBuffer: 20,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(task.total, 0, { label: task.label, unit: task.unit, rate: '-', metrics: '' });
    },
    update(done, metrics) {
      const seconds = (now() - startedAt) / 1000;
      bar?.update(done, {
        rate: seconds > 0 ? formatNumber(done / seconds) : '-',
        metrics: formatMetrics(metrics),
      });
    },
    stop(summary) {
      stopBar();
      if (summary) options.write(summary);
    },
  };
}

/** Plain progress lines are printed only for tasks running at least this long. */
const minimumSeconds = 2;

function plainRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const now = options.now ?? (() => performance.now());
  let task: ProgressTask | undefined;
  let startedAt = 0;
  let nextQuarter = 1;
  return {
    start(next) {
      task = next;
      startedAt = next.startedAt ?? now();
      nextQuarter = 1;
    },
    update(done, metrics) {
      if (!task || task.total <= 0) return;
      // A line per 25 %, and only for tasks that last: logs stay short (a 0.1 s epoch gets
      // just its summary line) and still show that long work advances.
      // The end is told by the caller's summary line, not by a 100 % line.
      if (done >= task.total || done / task.total < nextQuarter / 4) return;
      while (done / task.total >= nextQuarter / 4) nextQuarter += 1;
      const seconds = (now() - startedAt) / 1000;
      if (seconds < minimumSeconds) return;
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = rate > 0 ? (task.total - done) / rate : 0;
      const parts = [
        `${task.label}: ${done}/${task.total} ${task.unit}`,
        `${formatNumber(rate)} ${task.unit}/s`,
        done < task.total ? `ETA ${Math.ceil(eta)}s` : `${formatNumber(seconds)}s`,
        formatMetrics(metrics),
      ];
      options.write(parts.filter((part) => part !== '').join(' | '));
    },
    stop(summary) {
      task = undefined;
      if (summary) options.write(summary);
    },
  };
}
