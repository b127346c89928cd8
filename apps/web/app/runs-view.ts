import { loadClassifier } from '@graft/trainer';
import {
  apiUrl,
  type EvaluationSection,
  getJson,
  type ParsedHistory,
  type RunDetails,
  type RunSummary,
} from './api.js';
import { ensureBackend } from './backend.js';
import { balancedAccuracy } from './balanced-accuracy.js';
import { runCharts } from './charts.js';
import { imageFileToTensor } from './decode-image.js';
import { element, percent, showError } from './dom.js';

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

function renderReport(
  container: HTMLElement,
  name: string,
  report: NonNullable<RunDetails['report']>,
  hasModel: boolean,
): void {
  container.replaceChildren();
  const split = report.validation ? 'validation' : report.test ? 'test' : undefined;
  const section = split ? report[split] : undefined;
  if (!split || !section) {
    container.append(element('p', { class: 'muted', text: 'The report has no evaluation.' }));
    return;
  }
  const multiLabel = section.multiLabel;
  container.append(
    element('h3', { text: `Evaluation (${split})` }),
    element('p', {
      class: 'facts',
      text: `${section.count} images · ${multiLabel ? `exact match ${percent(multiLabel.exactMatch)} · Hamming accuracy ${percent(multiLabel.hammingAccuracy)} · micro-F1 ${percent(multiLabel.microF1)} · macro-F1 ${percent(multiLabel.macroF1)} (threshold ${multiLabel.threshold})` : `accuracy ${percent(section.accuracy)} · balanced accuracy ${percent(balancedAccuracy(section))} · macro-F1 ${percent(section.macroF1)}`} · loss ${section.loss.toFixed(4)}${report.bestEpoch ? ` · best epoch ${report.bestEpoch}` : ''}`,
    }),
    // A multi-label report has per-label metrics but no confusion matrix.
    element(
      'div',
      { class: 'tables' },
      multiLabel ? [perClassTable(section)] : [confusionMatrix(section), perClassTable(section)],
    ),
    misclassifiedGallery(name, split, section, hasModel),
  );
}

function confusionMatrix(section: EvaluationSection): HTMLElement {
  const max = Math.max(1, ...section.confusionMatrix.flat());
  const table = element('table', { class: 'confusion' }, [
    element('caption', { text: 'Confusion matrix (rows: true, columns: predicted)' }),
  ]);
  table.append(
    element('thead', {}, [
      element('tr', {}, [
        element('th', { scope: 'col', text: '' }),
        ...section.classNames.map((label) => element('th', { scope: 'col', text: label })),
      ]),
    ]),
  );
  const body = element('tbody');
  section.confusionMatrix.forEach((row, trueIndex) => {
    body.append(
      element('tr', {}, [
        element('th', { scope: 'row', text: section.classNames[trueIndex] ?? String(trueIndex) }),
        ...row.map((count, predictedIndex) => {
          const cell = element('td', { text: String(count) });
          const strength = count / max;
          const hue = trueIndex === predictedIndex ? '47, 111, 159' : '208, 120, 59';
          cell.style.background = `rgba(${hue}, ${(0.08 + 0.72 * strength).toFixed(3)})`;
          if (strength > 0.55) cell.style.color = '#fff';
          return cell;
        }),
      ]),
    );
  });
  table.append(body);
  return table;
}

function perClassTable(section: EvaluationSection): HTMLElement {
  return element('table', { class: 'per-class' }, [
    element('caption', { text: 'Per-class metrics' }),
    element('thead', {}, [
      element(
        'tr',
        {},
        ['class', 'precision', 'recall', 'F1', 'support'].map((label) =>
          element('th', { scope: 'col', text: label }),
        ),
      ),
    ]),
    element(
      'tbody',
      {},
      section.perClass.map((metrics) =>
        element('tr', {}, [
          element('th', { scope: 'row', text: metrics.className }),
          element('td', { text: percent(metrics.precision) }),
          element('td', { text: percent(metrics.recall) }),
          element('td', { text: percent(metrics.f1) }),
          element('td', { text: String(metrics.support) }),
        ]),
      ),
    ),
  ]);
}

function misclassifiedGallery(
  name: string,
  split: string,
  section: EvaluationSection,
  hasModel: boolean,
): HTMLElement {
  const shown = section.misclassified.slice(0, 24);
  const lists: HTMLOListElement[] = [];
  const topKButton = element('button', {
    type: 'button',
    class: 'gallery-topk',
    text: `Top-${Math.min(3, section.classNames.length)} predictions with the run's model`,
  });
  const topKStatus = element('span', { class: 'muted', 'aria-live': 'polite' });
  topKButton.addEventListener('click', async () => {
    topKButton.disabled = true;
    topKStatus.textContent = 'classifying…';
    try {
      await ensureBackend();
      const classifier = await loadClassifier(`${apiUrl('runs', name, 'model')}/`);
      try {
        const topK = Math.min(3, classifier.labels.length);
        for (const [position, list] of lists.entries()) {
          const response = await fetch(apiUrl('runs', name, 'misclassified', split, position));
          if (!response.ok) continue;
          const pixels = await imageFileToTensor(
            await response.blob(),
            classifier.metadata.graft.preprocessing,
          );
          const [predictions = []] = await classifier.predict(pixels, { topK });
          pixels.dispose();
          // Keep the report's verdict beside the browser's (decoders and resamplers differ slightly).
          list.before(
            element('p', {
              class: 'muted',
              text: `report: ${list.firstElementChild?.textContent ?? ''}; in this browser:`,
            }),
          );
          list.replaceChildren(
            ...predictions.map((prediction) => topKRow(prediction.label, prediction.probability)),
          );
        }
        topKStatus.textContent = `top-${topK} of ${lists.length} images from ${name}/model`;
      } finally {
        classifier.dispose();
      }
    } catch (error) {
      topKStatus.textContent = error instanceof Error ? error.message : String(error);
      topKButton.disabled = false;
    }
  });
  const label = (index: number | string) =>
    typeof index === 'number' ? (section.classNames[index] ?? String(index)) : index;
  return element('div', {}, [
    element('h3', { text: `Misclassified (${section.misclassified.length})` }),
    ...(hasModel && shown.length > 0 ? [element('p', {}, [topKButton, ' ', topKStatus])] : []),
    element(
      'ul',
      { class: 'gallery' },
      shown.map((item, position) => {
        const predictions = item.topK ?? [{ label: item.predicted, probability: item.confidence }];
        return element('li', {}, [
          element('img', {
            src: apiUrl('runs', name, 'misclassified', split, position),
            alt: `${item.source ?? `example ${item.index}`}: true ${label(item.label)}, predicted ${label(item.predicted)}`,
          }),
          element('p', { text: `true: ${label(item.label)}` }),
          (() => {
            const list = element(
              'ol',
              { class: 'topk' },
              predictions.map((prediction) =>
                topKRow(label(prediction.label), prediction.probability),
              ),
            );
            lists.push(list);
            return list;
          })(),
        ]);
      }),
    ),
  ]);
}

function topKRow(label: string, probability: number): HTMLElement {
  return element('li', {}, [
    element('span', { text: `${label} ${percent(probability)}` }),
    bar(probability),
  ]);
}

/** A horizontal probability bar. */
export function bar(probability: number): HTMLElement {
  const fill = element('span', { class: 'bar-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, probability)) * 100}%`;
  return element('span', { class: 'bar', role: 'img', 'aria-label': percent(probability) }, [fill]);
}
