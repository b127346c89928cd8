import {
  type Classifier,
  type ClassifierMetadata,
  calibrationTemperature,
  loadClassifier,
  type TestTimeAugmentation,
  testTimeAugmentations,
} from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { apiUrl, getJson, type RunSummary } from './api.js';
import { ensureBackend } from './backend.js';
import { imageFileToTensor } from './decode-image.js';
import { element, showError } from './dom.js';
import { gradCamFigure } from './grad-cam-view.js';
import { loadOnnxClassifier, type OnnxClassifier } from './onnx-classifier.js';
import { predictWithViews } from './predict-with-views.js';
import { RemoteClassifier } from './remote-classifier.js';
import { serverControls } from './server-controls.js';
import { type TextPanel, textPlaygroundPanel } from './text-playground-view.js';
import { topKList } from './top-k-list.js';

/** A tfjs classifier, an ONNX export run by onnxruntime-web, or a `graft serve` server. */
type PlaygroundClassifier = Classifier | OnnxClassifier | RemoteClassifier;

let current: PlaygroundClassifier | undefined;
let currentDescription = 'No model loaded.';
let announce: ((text: string) => void) | undefined;
// Text classifiers (trained by graft train on text) get the text panel instead of the images one.
let textPanel: TextPanel | undefined;
let imagesPanel: HTMLElement | undefined;

function showPanelsFor(classifier: PlaygroundClassifier | undefined): boolean {
  // A `graft serve` server classifies images (its text endpoint is not part of the protocol).
  const isText =
    textPanel?.use(classifier instanceof RemoteClassifier ? undefined : classifier) ?? false;
  if (imagesPanel) imagesPanel.hidden = isText;
  return isText;
}

/** Hands a classifier (e.g. one just trained in the browser) to the playground. */
export function usePlaygroundClassifier(classifier: Classifier, description: string): void {
  if (current !== undefined && !('model' in current && current.model === classifier.model)) {
    current.dispose();
  }
  current = classifier;
  currentDescription = description;
  announce?.(description);
  showPanelsFor(classifier);
}

/** The playground: load an exported model, classify dropped or picked images with top-k bars. */
export function mountPlayground(root: HTMLElement): void {
  const runSelect = element('select', { id: 'playground-run', 'aria-label': 'Run with a model' });
  const loadRunButton = element('button', { type: 'button', text: 'Load model' });
  const modelFiles = element('input', {
    type: 'file',
    id: 'playground-model-files',
    multiple: true,
    accept: '.json,.bin,.onnx',
  });
  const modelStatus = element('p', {
    class: 'muted',
    'aria-live': 'polite',
    id: 'playground-model-status',
    text: currentDescription,
  });
  const imageInput = element('input', {
    type: 'file',
    id: 'playground-images',
    multiple: true,
    accept: 'image/*',
  });
  const dropZone = element('label', { class: 'drop-zone', for: 'playground-images' }, [
    'Drop images here, or press to pick files',
  ]);
  // Test-time augmentation (fastai's tta): probabilities averaged over flipped/cropped views.
  const tta = element('select', { id: 'playground-tta', 'aria-label': 'Test-time augmentation' }, [
    element('option', { value: 'none', text: 'no test-time augmentation' }),
    ...testTimeAugmentations.map((views) =>
      element('option', { value: views, text: `test-time augmentation: ${views}` }),
    ),
  ]);
  const results = element('ul', {
    class: 'predictions',
    id: 'playground-results',
    'aria-live': 'polite',
  });
  textPanel = textPlaygroundPanel();
  imagesPanel = element('div', { class: 'panel' }, [
    element('h3', { text: 'Images' }),
    dropZone,
    imageInput,
    tta,
    results,
  ]);
  root.append(
    element('h2', { text: 'Playground' }),
    element('div', { class: 'panel' }, [
      element('h3', { text: 'Model' }),
      element('div', { class: 'row' }, [runSelect, loadRunButton]),
      element('div', { class: 'row' }, [
        element('label', {
          for: 'playground-model-files',
          text: 'or exported files (model.json, weights.bin, metadata.json; or model.onnx, metadata.json): ',
        }),
        modelFiles,
      ]),
      serverControls({
        connect: async (url, token) => {
          modelStatus.textContent = 'Connecting…';
          try {
            const remote = await RemoteClassifier.connect(url, token);
            setClassifier(remote, `${remote.server} (graft serve)`);
          } catch (error) {
            showError(modelStatus, error);
          }
        },
      }),
      modelStatus,
    ]),
    imagesPanel,
    textPanel.element,
  );
  showPanelsFor(current);
  announce = (text) => {
    modelStatus.textContent = text;
  };

  getJson<{ runs: RunSummary[] }>(apiUrl('runs'))
    .then(({ runs }) => {
      const withModel = runs.filter((run) => run.hasModel);
      runSelect.replaceChildren(
        ...withModel.map((run) => element('option', { value: run.name, text: run.name })),
      );
      if (withModel.length === 0)
        runSelect.append(element('option', { value: '', text: 'no run has a model' }));
    })
    .catch(() => runSelect.append(element('option', { value: '', text: 'no server' })));

  const setClassifier = (classifier: PlaygroundClassifier, where: string) => {
    current?.dispose();
    current = classifier;
    const isText = showPanelsFor(classifier);
    const preprocessing = classifier.metadata.graft.preprocessing;
    // The saved weights already apply the temperature; shown so users know the scores are calibrated.
    const temperature = calibrationTemperature(classifier.metadata);
    const calibrated =
      temperature === 1 ? '' : ` Calibrated (temperature ${temperature.toFixed(3)}).`;
    const graft = classifier.metadata.graft;
    const kind =
      graft.activation === 'sigmoid'
        ? ` Multi-label: every label with probability ≥ ${graft.threshold ?? 0.5} applies (✓).`
        : '';
    modelStatus.textContent = `Loaded ${where}: ${classifier.labels.length} classes (${classifier.labels.join(', ')}), ${isText ? 'text (type it below)' : `input ${preprocessing.inputSize.join('×')}, range [${preprocessing.inputRange.join(', ')}]`}.${kind}${calibrated}`;
  };

  loadRunButton.addEventListener('click', async () => {
    if (!runSelect.value) return;
    modelStatus.textContent = 'Loading…';
    try {
      await ensureBackend();
      setClassifier(
        await loadClassifier(`${apiUrl('runs', runSelect.value, 'model')}/`),
        runSelect.value,
      );
    } catch (error) {
      showError(modelStatus, error);
    }
  });

  modelFiles.addEventListener('change', async () => {
    const files = [...(modelFiles.files ?? [])];
    const onnxFile = files.find((file) => file.name.endsWith('.onnx'));
    if (onnxFile !== undefined) {
      await loadOnnxFiles(onnxFile, files);
      return;
    }
    const modelJson = files.find(
      (file) => file.name.endsWith('.json') && file.name !== 'metadata.json',
    );
    const metadataFile = files.find((file) => file.name === 'metadata.json');
    const weights = files.filter((file) => file.name.endsWith('.bin'));
    if (!modelJson || !metadataFile || weights.length === 0) {
      modelStatus.textContent = 'Pick model.json, its .bin weights and metadata.json together.';
      return;
    }
    try {
      await ensureBackend();
      const metadata = JSON.parse(await metadataFile.text()) as ClassifierMetadata;
      setClassifier(
        await loadClassifier({ model: tf.io.browserFiles([modelJson, ...weights]), metadata }),
        modelJson.name,
      );
    } catch (error) {
      showError(modelStatus, error);
    }
  });

  // An ONNX export (graft export --format onnx): model.onnx and its metadata.json, run by
  // onnxruntime-web. A backend is still activated: the playground's pixels are a tfjs tensor.
  const loadOnnxFiles = async (onnxFile: File, files: File[]) => {
    const metadataFile = files.find((file) => file.name === 'metadata.json');
    if (metadataFile === undefined) {
      modelStatus.textContent = 'Pick model.onnx and metadata.json together.';
      return;
    }
    modelStatus.textContent = 'Loading…';
    try {
      await ensureBackend();
      const classifier = await loadOnnxClassifier({
        model: new Uint8Array(await onnxFile.arrayBuffer()),
        metadata: JSON.parse(await metadataFile.text()),
        metadataFile: metadataFile.name,
      });
      setClassifier(
        classifier,
        `${onnxFile.name} (onnxruntime-web, ${classifier.executionProvider})`,
      );
    } catch (error) {
      showError(modelStatus, error);
    }
  };

  const classify = async (files: File[]) => {
    if (!current) {
      modelStatus.textContent = 'Load a model first.';
      return;
    }
    const classifier = current;
    // A multi-label (sigmoid) model: independent probabilities, every label shown and the
    // ones over the recorded threshold marked; never renormalised like a softmax.
    const { activation, threshold = 0.5 } = classifier.metadata.graft;
    const multiLabel = activation === 'sigmoid';
    const topK = multiLabel ? classifier.labels.length : Math.min(5, classifier.labels.length);
    const explainLater: Array<{ item: HTMLElement; pixels: tf.Tensor3D }> = [];
    for (const file of files.filter((candidate) => candidate.type.startsWith('image/'))) {
      const item = element('li', {}, [
        element('img', { src: URL.createObjectURL(file), alt: file.name }),
      ]);
      results.prepend(item);
      try {
        if (classifier instanceof RemoteClassifier) {
          // The server decodes the file's own bytes (graft predict's pipeline); no pixels here.
          item.append(
            element('p', { text: file.name }),
            topKList(await classifier.classifyFile(file, topK), multiLabel, threshold),
          );
          continue;
        }
        const pixels = await imageFileToTensor(file, classifier.metadata.graft.preprocessing);
        const views = tta.value === 'none' ? undefined : (tta.value as TestTimeAugmentation);
        // TTA needs the tfjs model (it runs every view through it); ONNX exports predict plainly.
        const predictions =
          views !== undefined && 'model' in classifier
            ? await predictWithViews(classifier, pixels, views, topK)
            : (await classifier.predict(pixels, { topK }))[0];
        // Heat maps come after every image's predictions (they cost about one more forward
        // pass each); Grad-CAM needs the tfjs graph, so an ONNX export shows predictions only.
        if ('model' in classifier) explainLater.push({ item, pixels });
        else pixels.dispose();
        item.append(
          element('p', { text: file.name }),
          topKList(predictions ?? [], multiLabel, threshold),
        );
      } catch (error) {
        item.append(
          element('p', {
            class: 'error',
            text: error instanceof Error ? error.message : String(error),
          }),
        );
      }
    }
    for (const { item, pixels } of explainLater) {
      // A model it cannot explain keeps its predictions and says why there is no map.
      const figure = await gradCamFigure(classifier as Classifier, pixels).catch((error: unknown) =>
        element('p', {
          class: 'muted',
          text: `no heat map: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
      pixels.dispose();
      item.append(figure);
    }
  };

  imageInput.addEventListener('change', () => classify([...(imageInput.files ?? [])]));
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('over');
    classify([...(event.dataTransfer?.files ?? [])]);
  });
}
