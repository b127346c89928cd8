import { apiUrl, getJson, type ParsedHistory, type RunDetails, type RunSummary } from './api.js';
import { runCharts } from './charts.js';
import { element, showError } from './dom.js';
import { renderReport } from './evaluation-report-view.js';

const pollMilliseconds = 2000;

/** The runs dashboard: list, one run's details (live while training), or two runs side by side. */
export function mountRunsView(root: HTMLElement): void {
  const list = element('ul', { class: 'run-list', 'aria-label': 'Runs' });
  const compareButton = element('button', {
    type: 'button',
    disabled: true,
    text: 'Compare selected',
  });
  const detail = element('div', { class: 'run-detail', 'aria-live': 'polite' });
  root.append(
    element('div', { class: 'runs-layout' }, [
      element('aside', {}, [element('h2', { text: 'Runs' }), list, compareButton]),
      detail,
    ]),
  );
  let stopDetail: (() => void) | undefined;
  const compared = new Set<string>();

  const show = (names: string[]) => {
    stopDetail?.();
    detail.replaceChildren();
    const columns = names.map(() => element('div', { class: 'run-column' }));
    detail.append(element('div', { class: names.length > 1 ? 'compare' : '' }, columns));
    const stops = names.map((name, index) =>
      renderRun(columns[index] as HTMLElement, name, names.length > 1),
    );
    stopDetail = () => {
      for (const stop of stops) stop();
    };
  };

  compareButton.addEventListener('click', () => show([...compared]));

  const refreshList = async () => {
    const { runs } = await getJson<{ runs: RunSummary[] }>(apiUrl('runs'));
    list.replaceChildren(
      ...runs.map((run) => {
        const open = element('button', { type: 'button', class: 'run-open' }, [
          element('strong', { text: run.name }),
          element('span', {
            class: 'muted',
            text: `${run.epochs} epochs${run.backbone ? ` · ${run.backbone}` : ''}${run.hasReport ? '' : ' · running?'}`,
          }),
        ]);
        open.addEventListener('click', () => show([run.name]));
        const checkbox = element('input', {
          type: 'checkbox',
          'aria-label': `compare ${run.name}`,
        });
        checkbox.checked = compared.has(run.name);
        checkbox.addEventListener('change', () => {
          if (checkbox.checked) compared.add(run.name);
          else compared.delete(run.name);
          compareButton.disabled = compared.size !== 2;
        });
        return element('li', {}, [
          open,
          element('label', { class: 'compare-toggle' }, [checkbox, 'compare']),
        ]);
      }),
    );
    if (runs.length === 0)
      list.append(
        element('li', { class: 'muted', text: 'No runs yet: graft train --out runs/<name>' }),
      );
    const first = runs[0];
    if (first && !stopDetail) show([first.name]);
  };
  refreshList().catch((error) => showError(detail, error));
}

/** Renders one run into `container`; polls its log until a report appears. Returns a stop function. */
function renderRun(container: HTMLElement, name: string, compact: boolean): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const header = element('h2', { text: name });
  const status = element('p', { class: 'muted' });
  container.append(header, status);
  const charts = runCharts(container, compact ? 300 : undefined);
  const reportBox = element('div');
  container.append(reportBox);

  const showHistory = (history: ParsedHistory, finished: boolean) => {
    charts.update(history.epochs);
    const parts = [`${history.epochs.length} epochs`];
    if (history.skippedLines > 0) parts.push(`${history.skippedLines} malformed log lines skipped`);
    parts.push(finished ? 'finished' : 'live: updating every 2 s');
    status.textContent = parts.join(' · ');
  };

  const poll = async () => {
    if (stopped) return;
    try {
      const history = await getJson<ParsedHistory>(apiUrl('runs', name, 'history'));
      const summary = await getJson<RunDetails>(apiUrl('runs', name));
      const finished = summary.report !== null || history.finished;
      showHistory(history, finished);
      if (summary.report) {
        renderReport(reportBox, name, summary.report, summary.hasModel);
        return;
      }
    } catch (error) {
      status.textContent = `could not refresh: ${error instanceof Error ? error.message : String(error)}`;
    }
    timer = setTimeout(poll, pollMilliseconds);
  };

  getJson<RunDetails>(apiUrl('runs', name))
    .then((run) => {
      if (stopped) return;
      const config = run.config ?? {};
      const facts = ['backbone', 'mode', 'epochs', 'batchSize', 'learningRate', 'schedule']
        .filter((key) => config[key] !== undefined)
        .map((key) => `${key} ${String(config[key])}`);
      if (facts.length > 0) header.after(element('p', { class: 'facts', text: facts.join(' · ') }));
      const finished = run.report !== null || run.history.finished;
      showHistory(run.history, finished);
      if (run.report) renderReport(reportBox, name, run.report, run.hasModel);
      else timer = setTimeout(poll, pollMilliseconds);
    })
    .catch((error) => showError(reportBox, error));

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    charts.destroy();
  };
}
