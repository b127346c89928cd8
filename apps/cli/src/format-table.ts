/** Renders rows as an aligned text table with a header rule; numbers are right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = header.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  const numeric = header.map(
    (_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const [first = [], ...rest] = cells;
  return [line(first), widths.map((width) => '─'.repeat(width)).join('  '), ...rest.map(line)].join(
    '\n',
  );
}
