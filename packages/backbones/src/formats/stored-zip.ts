/**
 * The stored (uncompressed) entries of a zip archive, by name, as views of `bytes` (zip64
 * included); `fail` is called with the problem on a damaged or compressed archive.
 */
export function readStoredZip(
  bytes: Uint8Array,
  fail: (problem: string) => never,
): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (
    let position = bytes.byteLength - 22;
    position >= Math.max(0, bytes.byteLength - 65_557);
    position--
  ) {
    if (view.getUint32(position, true) === 0x06054b50) {
      end = position;
      break;
    }
  }
  if (end < 0) fail('is not a complete zip archive (no end-of-central-directory record)');
  let entryCount = view.getUint16(end + 10, true);
  let directory = view.getUint32(end + 16, true);
  if (directory === 0xffffffff || entryCount === 0xffff) {
    // Zip64: the locator sits right before the end record.
    const record = Number(view.getBigUint64(end - 20 + 8, true));
    entryCount = Number(view.getBigUint64(record + 32, true));
    directory = Number(view.getBigUint64(record + 48, true));
  }
  const decoder = new TextDecoder();
  const entries = new Map<string, Uint8Array>();
  let position = directory;
  for (let entry = 0; entry < entryCount; entry++) {
    if (view.getUint32(position, true) !== 0x02014b50) fail('has a damaged zip central directory');
    const method = view.getUint16(position + 10, true);
    let size = view.getUint32(position + 20, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    let local = view.getUint32(position + 42, true);
    const name = decoder.decode(bytes.subarray(position + 46, position + 46 + nameLength));
    // Zip64 extra field (id 1): 64-bit sizes/offset for the fields set to 0xffffffff.
    let extra = position + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 1) {
        let field = extra + 4;
        if (view.getUint32(position + 24, true) === 0xffffffff) field += 8;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(field, true));
          field += 8;
        }
        if (local === 0xffffffff) local = Number(view.getBigUint64(field, true));
      }
      extra += 4 + length;
    }
    if (method !== 0)
      fail(
        `zip entry ${name} is compressed (method ${method}); torch.save stores entries uncompressed`,
      );
    const dataStart =
      local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + size > bytes.byteLength) fail(`zip entry ${name} is truncated`);
    entries.set(name, bytes.subarray(dataStart, dataStart + size));
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
