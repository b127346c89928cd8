import { loadClassifier } from '@graft/trainer';
import { apiUrl, type EvaluationSection, type RunDetails } from './api.js';
import { ensureBackend } from './backend.js';
import { balancedAccuracy } from './balanced-accuracy.js';
import { imageFileToTensor } from './decode-image.js';
import { element, percent } from './dom.js';

/** A run's evaluation: headline metrics, confusion matrix, per-class table and the misclassified images. */
export function renderReport(
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
