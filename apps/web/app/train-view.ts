import { createBackbone } from '@graft/backbones';
import type { Backbone, Head, ImageDataset } from '@graft/core';
import { imageFileEntry, openImageFiles, stratifiedSplit } from '@graft/datasets';
import { createHead } from '@graft/heads';
import { adam, calibrateHead, type EvaluationReport, train } from '@graft/trainer';
import type { EpochRecord } from './api.js';
import { ensureBackend } from './backend.js';
import { runCharts } from './charts.js';
import { element, percent, showError } from './dom.js';
import { showResult } from './training-result-view.js';

/** Teachable Machine's MobileNetV2 α=0.35 base, as the dashboard server serves it from the mirror. */
const mirroredWeights =
  'weights/teachable-machine/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json';

/** Train in the browser: a folder of class sub-folders → feature extraction → a downloadable model. */
export function mountTrainView(root: HTMLElement): void {
  const folder = element('input', {
    type: 'file',
    id: 'train-folder',
    webkitdirectory: true,
    multiple: true,
  });
  const folderInfo = element('p', {
    class: 'muted',
    id: 'train-folder-info',
    text: 'No folder picked.',
  });
  const backboneSelect = element('select', { id: 'train-backbone' }, [
    element('option', {
      value: 'mobilenet_v2_0.35_224',
      text: 'MobileNetV2 α=0.35, 224 (Teachable Machine weights)',
    }),
  ]);
  const weightsUrl = element('input', {
    type: 'url',
    id: 'train-weights',
    value: mirroredWeights,
    size: 60,
  });
  const epochs = element('input', {
    type: 'number',
    id: 'train-epochs',
    value: 10,
    min: 1,
    max: 200,
  });
  const learningRate = element('input', {
    type: 'number',
    id: 'train-lr',
    value: 0.001,
    step: 0.0001,
    min: 0,
  });
  // Imbalanced folders (issue 26): Keras' 'balanced' weights, and PyTorch-equivalent smoothing.
  const classWeight = element('select', { id: 'train-class-weight' }, [
    element('option', { value: 'none', text: 'none' }),
    element('option', { value: 'balanced', text: 'balanced (n / (classes · count))' }),
  ]);
  const labelSmoothing = element('input', {
    type: 'number',
    id: 'train-label-smoothing',
    value: 0,
    step: 0.05,
    min: 0,
    max: 0.99,
  });
  const startButton = element('button', { type: 'button', id: 'train-start', text: 'Train' });
  const cancelButton = element('button', { type: 'button', text: 'Cancel', disabled: true });
  const progress = element('p', { id: 'train-status', 'aria-live': 'polite', class: 'muted' });
  const chartBox = element('div');
  const resultBox = element('div', { id: 'train-result' });
  const field = (id: string, label: string, control: HTMLElement) =>
    element('div', { class: 'field' }, [element('label', { for: id, text: label }), control]);
  root.append(
    element('h2', { text: 'Train in the browser' }),
    element('div', { class: 'panel' }, [
      field('train-folder', 'Image folder (one sub-folder per class, or train/ val/):', folder),
      folderInfo,
      field('train-backbone', 'Backbone', backboneSelect),
      field('train-weights', 'Weights (model.json URL)', weightsUrl),
      element('div', { class: 'row' }, [
        field('train-epochs', 'Epochs', epochs),
        field('train-lr', 'Learning rate', learningRate),
      ]),
      element('div', { class: 'row' }, [
        field('train-class-weight', 'Class weights', classWeight),
        field('train-label-smoothing', 'Label smoothing', labelSmoothing),
      ]),
      element('div', { class: 'row' }, [startButton, cancelButton]),
      progress,
    ]),
    chartBox,
    resultBox,
  );

  folder.addEventListener('change', () => {
    const files = [...(folder.files ?? [])];
    try {
      const collection = openImageFiles({
        files: files.map(imageFileEntry),
        imageSize: [224, 224],
      });
      folderInfo.textContent = `${files.length} files · ${collection.classNames.length} classes (${collection.classNames.join(', ')}) · layout ${collection.layout}`;
    } catch (error) {
      showError(folderInfo, error);
    }
  });

  let controller: AbortController | undefined;
  cancelButton.addEventListener('click', () => controller?.abort(new Error('cancelled')));

  startButton.addEventListener('click', async () => {
    const files = [...(folder.files ?? [])];
    if (files.length === 0) {
      progress.textContent = 'Pick a folder first.';
      return;
    }
    startButton.disabled = true;
    cancelButton.disabled = false;
    controller = new AbortController();
    resultBox.replaceChildren();
    chartBox.replaceChildren();
    const charts = runCharts(chartBox);
    const epochRecords: EpochRecord[] = [];
    let backbone: Backbone | undefined;
    let head: Head | undefined;
    const started = performance.now();
    try {
      const backend = await ensureBackend();
      progress.textContent = `Loading ${backboneSelect.value} on ${backend.chosen}…`;
      backbone = await createBackbone(backboneSelect.value, {
        weightsPath: new URL(weightsUrl.value, document.baseURI).href,
        // Bound: tf.io.http calls its fetchFunc as a method, and an unbound window.fetch throws
        // "Illegal invocation" (the backbones' default passes globalThis.fetch as is).
        fetch: (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init),
      });
      const { train: trainData, validation, classNames } = openSplits(files, backbone);
      head = createHead('linear', {
        featureDim: backbone.featureDim,
        numClasses: classNames.length,
        seed: 0,
      });
      const totalEpochs = Number(epochs.value);
      progress.textContent = `Extracting features of ${trainData.size + (validation?.size ?? 0)} images…`;
      const result = await train({
        backbone,
        head,
        trainData,
        ...(validation ? { validationData: validation } : {}),
        mode: 'feature-extraction',
        epochs: totalEpochs,
        batchSize: 16,
        optimizer: adam({ learningRate: Number(learningRate.value) }),
        ...(classWeight.value === 'balanced' ? { classWeight: 'balanced' as const } : {}),
        ...(Number(labelSmoothing.value) > 0
          ? { labelSmoothing: Number(labelSmoothing.value) }
          : {}),
        seed: 0,
        signal: controller.signal,
        callbacks: [
          {
            name: 'web-progress',
            onEpochEnd(epoch, logs) {
              epochRecords.push({ epoch: epoch + 1, metrics: { ...logs } });
              charts.update(epochRecords);
              progress.textContent = `Epoch ${epoch + 1}/${totalEpochs}: loss ${logs.loss?.toFixed(4)}, accuracy ${percent(logs.accuracy)}${logs.val_accuracy !== undefined ? `, val accuracy ${percent(logs.val_accuracy)}` : ''}`;
            },
          },
        ],
      });
      // Temperature scaling on the validation split, as `graft train` does by default.
      const calibration = validation
        ? await calibrateHead({ backbone, head, data: validation, signal: controller.signal })
        : undefined;
      const seconds = (performance.now() - started) / 1000;
      const validationReport: EvaluationReport | undefined = result.validation;
      const calibrated = calibration?.metadata
        ? ` Calibrated: temperature ${calibration.metadata.temperature.toFixed(3)}, ECE ${calibration.metadata.expectedCalibrationError.before.toFixed(3)} → ${calibration.metadata.expectedCalibrationError.after.toFixed(3)}.`
        : '';
      progress.textContent = `Done in ${seconds.toFixed(1)} s on ${backend.chosen}: ${result.history.length} epochs, train accuracy ${percent(result.history.at(-1)?.accuracy)}${validationReport ? `, validation accuracy ${percent(validationReport.accuracy)}, balanced accuracy ${percent(validationReport.balancedAccuracy)}, macro-F1 ${percent(validationReport.macroF1)}` : ''}.${calibrated}`;
      progress.dataset.done = 'true';
      const trained = {
        backbone,
        head,
        classNames,
        ...(calibration?.metadata ? { calibration: calibration.metadata } : {}),
      };
      backbone = undefined;
      head = undefined;
      showResult(resultBox, trained);
    } catch (error) {
      showError(progress, error);
    } finally {
      head?.dispose();
      backbone?.dispose();
      startButton.disabled = false;
      cancelButton.disabled = true;
    }
  });
}

function openSplits(
  files: File[],
  backbone: Backbone,
): { train: ImageDataset; validation: ImageDataset | undefined; classNames: readonly string[] } {
  const collection = openImageFiles({
    files: files.map(imageFileEntry),
    imageSize: backbone.preprocessing.inputSize,
    resize: backbone.preprocessing.resize,
    onBadImage: 'skip',
  });
  if (collection.layout === 'splits') {
    const validationSplit = collection.splitNames.find((name) => name !== 'train');
    return {
      train: collection.dataset('train'),
      validation: validationSplit ? collection.dataset(validationSplit) : undefined,
      classNames: collection.classNames,
    };
  }
  const everything = collection.dataset();
  const { splits } = stratifiedSplit({
    labels: everything.labels(),
    fractions: [0.8, 0.2],
    seed: 0,
    onTooFewSamples: 'allow',
  });
  const [trainIndices = [], validationIndices = []] = splits;
  return {
    train: everything.subset(trainIndices),
    validation: validationIndices.length > 0 ? everything.subset(validationIndices) : undefined,
    classNames: collection.classNames,
  };
}
