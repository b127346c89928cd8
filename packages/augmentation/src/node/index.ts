export { decodeImage } from './decode-image.js';
export { type RenderPreviewGridOptions, renderPreviewGrid } from './render-preview-grid.js';
export {
  type LoadWordNetThesaurusOptions,
  loadWordNetThesaurus,
  registerWordNetThesaurus,
} from './wordnet-thesaurus.js';
