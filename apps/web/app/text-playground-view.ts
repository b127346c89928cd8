import type { SentenceEncoder } from '@graft/backbones';
import type { ClassifierMetadata } from '@graft/trainer';
import { ensureBackend } from './backend.js';
import { element, showError } from './dom.js';
import { bar } from './evaluation-report-view.js';
import {
  type EmbeddingClassifier,
  loadTextEncoderFromUrl,
  predictTextProbabilities,
  type TextEncoderReference,
  textEncoderReferenceOf,
} from './text-classifier.js';

/** A playground classifier as the text panel sees it (tfjs or ONNX). */
export type TextPanelClassifier = EmbeddingClassifier & {
  readonly labels: readonly string[];
  readonly metadata: ClassifierMetadata;
};

/** The playground's text panel: shown for a text classifier, hidden for an image one. */
export interface TextPanel {
  /** The panel, hidden until a text classifier is used. */
  element: HTMLElement;
  /** Shows the panel when `classifier` was trained on text (returns whether it was). */
  use(classifier: TextPanelClassifier | undefined): boolean;
}

/**
 * Typed text classified in the browser: the classifier's text encoder (USE lite, a TF graph
 * model and its SentencePiece vocabulary) is fetched from `text-encoders/use-lite/` (or another
 * folder URL), checked against the weights the model was trained on, and run on the page's
 * backend; top classes are shown with bars like the image results.
 */
export function textPlaygroundPanel(): TextPanel {
  const status = element('p', {
    class: 'muted',
    id: 'playground-text-status',
    'aria-live': 'polite',
  });
  const encoderUrl = element('input', {
    type: 'url',
    id: 'playground-text-encoder',
    value: 'text-encoders/use-lite/',
    size: 40,
  });
  const textInput = element('textarea', {
    id: 'playground-text',
    rows: 3,
    cols: 60,
    placeholder: 'Type a sentence (one text per line)',
  });
  const classifyButton = element('button', {
    type: 'button',
    id: 'playground-text-classify',
    text: 'Classify text',
  });
  const results = element('ul', {
    class: 'predictions',
    id: 'playground-text-results',
    'aria-live': 'polite',
  });
  const panel = element('div', { class: 'panel', id: 'playground-text-panel', hidden: true }, [
    element('h3', { text: 'Text' }),
    status,
    element('div', { class: 'row' }, [
      element('label', {
        for: 'playground-text-encoder',
        text: 'Encoder files (folder URL with model.json, its shards, vocab.json): ',
      }),
      encoderUrl,
    ]),
    element('label', { for: 'playground-text', text: 'Text to classify' }),
    textInput,
    element('div', { class: 'row' }, [classifyButton]),
    results,
  ]);

  let classifier: TextPanelClassifier | undefined;
  let reference: TextEncoderReference | undefined;
  // One encoder kept across texts and models (26 MB of weights); reopened when its files change.
  let encoder: { key: string; value: Promise<SentenceEncoder> } | undefined;

  const openEncoder = (wanted: TextEncoderReference): Promise<SentenceEncoder> => {
    const key = `${wanted.weightsId} ${encoderUrl.value}`;
    if (encoder?.key !== key) {
      const previous = encoder?.value;
      previous?.then((old) => old.dispose()).catch(() => undefined);
      const value = loadTextEncoderFromUrl(wanted, encoderUrl.value);
      encoder = { key, value };
      // A failed load is retried on the next click.
      value.catch(() => {
        if (encoder?.value === value) encoder = undefined;
      });
    }
    return encoder.value;
  };

  const classify = async () => {
    const texts = textInput.value
      .split('\n')
      .map((text) => text.trim())
      .filter((text) => text !== '');
    if (classifier === undefined || reference === undefined) return;
    if (texts.length === 0) {
      status.textContent = 'Type a text first.';
      return;
    }
    const model = classifier;
    classifyButton.disabled = true;
    try {
      await ensureBackend();
      status.textContent = `Loading the text encoder ${reference.name}…`;
      const textEncoder = await openEncoder(reference);
      status.textContent = `Encoder ${textEncoder.weightsId} (the one the model was trained on).`;
      const probabilities = await predictTextProbabilities(model, textEncoder, texts);
      const classes = model.labels.length;
      const { activation, threshold = 0.5 } = model.metadata.graft;
      const multiLabel = activation === 'sigmoid';
      texts.forEach((text, row) => {
        const top = [...probabilities.subarray(row * classes, (row + 1) * classes)]
          .map((probability, index) => ({
            label: model.labels[index] ?? String(index),
            probability,
          }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, multiLabel ? classes : Math.min(5, classes));
        results.prepend(
          element('li', {}, [
            element('p', { class: 'text', text }),
            element(
              'ol',
              { class: 'topk' },
              top.map(({ label, probability }) =>
                element('li', { 'data-label': label, 'data-probability': String(probability) }, [
                  element('span', {
                    text: `${multiLabel && probability >= threshold ? '✓ ' : ''}${label} ${(probability * 100).toFixed(1)}%`,
                  }),
                  bar(probability),
                ]),
              ),
            ),
          ]),
        );
      });
    } catch (error) {
      showError(status, error);
    } finally {
      classifyButton.disabled = false;
    }
  };
  classifyButton.addEventListener('click', classify);

  return {
    element: panel,
    use(next) {
      classifier = next;
      try {
        reference = next === undefined ? undefined : textEncoderReferenceOf(next.metadata);
      } catch (error) {
        reference = undefined;
        panel.hidden = false;
        showError(status, error);
        return true;
      }
      panel.hidden = reference === undefined;
      if (reference !== undefined) {
        status.textContent = `A text classifier on ${reference.name} (${reference.source ?? reference.weightsId}); its encoder (≈26 MB) loads on the first text.`;
      }
      return reference !== undefined;
    },
  };
}
