import { element } from './dom.js';

/**
 * The playground's "classify on a server" row: a `graft serve` URL and an optional bearer token
 * (for a server started with `--token-file`), and a button that hands both to `connect`.
 */
export function serverControls(options: {
  /** Called with the URL and the token (undefined when empty). */
  connect: (url: string, token: string | undefined) => Promise<void>;
}): HTMLElement {
  const url = element('input', {
    type: 'url',
    id: 'playground-server-url',
    placeholder: 'http://127.0.0.1:8080',
    'aria-label': 'graft serve URL',
  });
  const token = element('input', {
    type: 'password',
    id: 'playground-server-token',
    placeholder: 'token (optional)',
    'aria-label': 'graft serve token',
  });
  const button = element('button', { type: 'button', text: 'Use server' });
  button.addEventListener('click', () => {
    if (!url.value) return;
    void options.connect(url.value, token.value || undefined);
  });
  return element('div', { class: 'row' }, [
    element('label', {
      for: 'playground-server-url',
      text: 'or a graft serve server (start it with --cors <this page origin>): ',
    }),
    url,
    token,
    button,
  ]);
}
