/** Creates an element with attributes/properties and children (strings become text nodes). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<Record<string, string | number | boolean>> = {},
  children: ReadonlyArray<Node | string> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') node.className = String(value);
    else if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

/** Formats a probability as a percentage with one decimal. */
export function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** Shows an error in a container, in words. */
export function showError(container: HTMLElement, error: unknown): void {
  console.error(error);
  container.replaceChildren(
    element('p', {
      class: 'error',
      role: 'alert',
      text: error instanceof Error ? error.message : String(error),
    }),
  );
}
