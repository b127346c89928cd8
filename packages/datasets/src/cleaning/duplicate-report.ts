import type { SplitName } from '../image-extensions.js';

/**
 * How a duplicate pair relates its two images. `within-class`: the same label (a redundant copy).
 * `cross-class`: different labels (likely label noise). `cross-split`: in different splits
 * (train/val/test leakage); it comes together with one of the other two.
 */
export type DuplicateKind = 'within-class' | 'cross-class' | 'cross-split';

/** What found a near-duplicate pair. */
export type NearDuplicateMethod = 'perceptual-hash' | 'features';

/** An image to check. */
export interface DuplicateCandidate {
  /** Where it is (a file path, or any source name); reported as given. */
  path: string;
  /** Content key: equal keys mean identical content (e.g. the sha1 of the file's bytes). */
  key: string;
  /** Class index into `classNames`. */
  label: number;
  /** Its split, when the data has several. */
  split?: SplitName;
}

/** An image in a duplicate report. */
export interface DuplicateImage extends DuplicateCandidate {
  /** `classNames[label]`. */
  className: string;
}

/** Images with identical content (same key). */
export interface ExactDuplicateGroup {
  /** The shared content key. */
  key: string;
  /** Two or more images, in input order. */
  images: DuplicateImage[];
  /** Union of the kinds of every pair in the group. */
  kinds: DuplicateKind[];
}

/** Two images with different content that look alike. */
export interface NearDuplicatePair {
  first: DuplicateImage;
  second: DuplicateImage;
  /** Which scans matched them. */
  methods: NearDuplicateMethod[];
  /** Bits differing between their perceptual hashes (when both have one). */
  hammingDistance?: number;
  /** Cosine similarity of their feature vectors (when both have one). */
  cosineSimilarity?: number;
  kinds: DuplicateKind[];
}

/** Pair counts per kind (a cross-split pair is also counted as within- or cross-class). */
export type DuplicateKindCounts = Record<DuplicateKind | 'total', number>;

/** What {@link findDuplicates} found. */
export interface DuplicateReport {
  /** Groups of identical images, largest first. */
  exactGroups: ExactDuplicateGroup[];
  /** Near-duplicate pairs, closest first (hash distance, then feature similarity). */
  nearPairs: NearDuplicatePair[];
  summary: {
    /** Images checked. */
    images: number;
    /** Distinct contents (keys). */
    distinctContents: number;
    /** Pairs of identical images, by kind (counted per group, not listed). */
    exactPairs: DuplicateKindCounts;
    /** Near-duplicate pairs by kind. */
    nearPairs: DuplicateKindCounts;
    /** Distinct contents without a perceptual hash (not in the hash scan). */
    withoutHash: number;
    /** Distinct contents without a feature vector (not in the feature scan). */
    withoutFeatures: number;
  };
  /** The Hamming threshold used, when the hash scan ran. */
  hammingThreshold?: number;
  /** The cosine threshold used, when the feature scan ran. */
  cosineThreshold?: number;
}
