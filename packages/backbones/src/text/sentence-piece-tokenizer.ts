/**
 * One entry of a SentencePiece unigram vocabulary: the piece and its log-probability score.
 * The index of the entry in the vocabulary is the token id.
 */
export type VocabularyEntry = readonly [piece: string, score: number];

/** Options of {@link SentencePieceTokenizer}. */
export interface SentencePieceTokenizerOptions {
  /** The vocabulary (`vocab.json` of Universal Sentence Encoder lite: 8000 entries). */
  vocabulary: readonly VocabularyEntry[];
  /**
   * Leading entries that are unknown/control symbols (`<unk>`, `<s>`, `</s>`, …) and never
   * match text. Default 6, as in the Universal Sentence Encoder vocabulary.
   */
  reservedSymbolCount?: number;
}

// SentencePiece marks word starts with U+2581 (lower one eighth block) instead of a space.
const wordBoundary = '\u2581';

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Token id when a piece ends here, else -1. */
  id: number;
  /** Length of the piece in code points. */
  length: number;
  score: number;
}

function newNode(length: number): TrieNode {
  return { children: new Map(), id: -1, length, score: 0 };
}

/**
 * SentencePiece unigram encoding (`EncodeAsIds`): NFKC-normalises the text, marks word starts
 * with `▁`, and picks the segmentation of highest total score by Viterbi over the vocabulary's
 * pieces. A character no piece covers becomes id 0 (unknown); consecutive unknowns merge into
 * one. Reproduces `@tensorflow-models/universal-sentence-encoder`'s `Tokenizer` id for id,
 * including its tie-breaking (a later start wins an equal score).
 */
export class SentencePieceTokenizer {
  readonly #vocabulary: readonly VocabularyEntry[];
  readonly #root: TrieNode = newNode(0);

  constructor(options: SentencePieceTokenizerOptions) {
    const { vocabulary } = options;
    const reserved = options.reservedSymbolCount ?? 6;
    if (!Array.isArray(vocabulary) || vocabulary.length <= reserved) {
      throw new TypeError(
        `vocabulary: expected an array of [piece, score] with more than ${reserved} entries, received ${Array.isArray(vocabulary) ? `${vocabulary.length} entries` : typeof vocabulary}`,
      );
    }
    this.#vocabulary = vocabulary;
    for (let id = reserved; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id] as VocabularyEntry;
      let node = this.#root;
      for (const symbol of piece) {
        let child = node.children.get(symbol);
        if (child === undefined) {
          child = newNode(node.length + 1);
          node.children.set(symbol, child);
        }
        node = child;
      }
      node.id = id;
      node.score = score;
    }
  }

  /** Token ids of `text`. */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const input =
      normalized.length > 0 ? wordBoundary + normalized.replaceAll(' ', wordBoundary) : '';
    const symbols = Array.from(input);
    const count = symbols.length;
    // best[end]: best score of a segmentation of symbols[0, end); word[end]: the last piece's id.
    const best = new Float64Array(count + 1);
    const word = new Int32Array(count + 1);
    // Candidate pieces ending at each position, grouped by start, visited in ascending start
    // order as the reference's lattice (an object keyed by start) is.
    const endings: { start: number; id: number; length: number; score: number }[][] = [];
    for (let end = 0; end <= count; end++) endings.push([]);
    for (let start = 0; start < count; start++) {
      let node = this.#root.children.get(symbols[start] as string);
      let matched = false;
      for (let offset = start; node !== undefined; ) {
        if (node.id >= 0) {
          endings[start + node.length]?.push({
            start,
            id: node.id,
            length: node.length,
            score: node.score,
          });
          matched = true;
        }
        offset++;
        if (offset >= count) break;
        node = node.children.get(symbols[offset] as string);
      }
      // No piece starts here: the single symbol becomes the unknown token (score 0).
      if (!matched) endings[start + 1]?.push({ start, id: 0, length: 1, score: 0 });
    }
    for (let end = 0; end <= count; end++) {
      const candidates = (endings[end] as (typeof endings)[number]).sort(
        (a, b) => a.start - b.start,
      );
      for (const candidate of candidates) {
        const score = candidate.score + (best[end - candidate.length] as number);
        if (best[end] === 0 || score >= (best[end] as number)) {
          best[end] = score;
          word[end] = candidate.id;
        }
      }
    }
    const reversed: number[] = [];
    for (let position = count; position > 0; ) {
      const id = word[position] as number;
      reversed.push(id);
      // The reference steps back by the vocabulary entry's UTF-16 length (for the unknown token,
      // its placeholder piece's), not by the matched symbols: kept for id-for-id parity.
      position -= (this.#vocabulary[id] as VocabularyEntry)[0].length;
    }
    const merged: number[] = [];
    let previousUnknown = false;
    for (const id of reversed) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  }
}
