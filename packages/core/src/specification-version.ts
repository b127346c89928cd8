/**
 * Version of the interfaces in this package (Backbone, Head, Schedule, Callback, ImageDataset).
 * Implementations may check it; any change to those interfaces bumps it and is breaking.
 */
export const specificationVersion = 'v1' as const;
