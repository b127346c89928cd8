/** A frame's place in a file: the file's path and the byte offset the frame starts at. */
export interface FrameFileSlot {
  /** The file (it exists). */
  path: string;
  /** Where the frame's bytes start. */
  offset: number;
}
