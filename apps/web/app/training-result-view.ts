import type { Backbone, Head } from '@graft/core';
import { type CalibrationMetadata, Classifier, exportClassifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { element } from './dom.js';
import { usePlaygroundClassifier } from './playground.js';

/** The trained classifier: its accuracy, a download of the model, and a hand-off to the playground. */
export function showResult(
  container: HTMLElement,
  trained: {
    backbone: Backbone;
    head: Head;
    classNames: readonly string[];
    calibration?: CalibrationMetadata;
  },
): void {
  const { model, metadata } = exportClassifier({
    ...trained,
    modelName: 'graft-browser',
    training: { mode: 'feature-extraction', source: 'browser' },
  });
  const download = element('button', {
    type: 'button',
    id: 'train-download',
    text: 'Download model',
  });
  const toPlayground = element('button', {
    type: 'button',
    id: 'train-to-playground',
    text: 'Try it in the playground',
  });
  download.addEventListener('click', async () => {
    // The layout saveClassifier writes in Node: model.json, weights.bin, metadata.json.
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData;
        const weights =
          weightData === undefined
            ? new ArrayBuffer(0)
            : Array.isArray(weightData)
              ? tf.io.concatenateArrayBuffers(weightData)
              : weightData;
        const modelJson = {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
          convertedBy: null,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        saveBlob('model.json', new Blob([JSON.stringify(modelJson)], { type: 'application/json' }));
        saveBlob('weights.bin', new Blob([weights], { type: 'application/octet-stream' }));
        saveBlob(
          'metadata.json',
          new Blob([JSON.stringify(metadata, null, 2)], { type: 'application/json' }),
        );
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  });
  toPlayground.addEventListener('click', () => {
    usePlaygroundClassifier(
      new Classifier({ model, metadata }),
      `Loaded the model trained in this tab: ${metadata.labels.join(', ')}.`,
    );
    document.getElementById('tab-playground')?.click();
  });
  container.replaceChildren(element('div', { class: 'row' }, [download, toPlayground]));
}

function saveBlob(fileName: string, blob: Blob): void {
  const link = element('a', { href: URL.createObjectURL(blob), download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
}
