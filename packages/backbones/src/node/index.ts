// Node-only helpers (file IO). Filled in by the weight loaders.
export {};
