import { mountPlayground } from './playground.js';
import { mountRunsView } from './runs-view.js';
import './style.css';
import { mountTrainView } from './train-view.js';

const views: Record<string, (root: HTMLElement) => void> = {
  runs: mountRunsView,
  playground: mountPlayground,
  train: mountTrainView,
};
const mounted = new Set<string>();
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];

function select(tab: HTMLButtonElement, focus: boolean): void {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    const panel = document.getElementById(other.getAttribute('aria-controls') ?? '');
    if (panel) panel.hidden = !selected;
  }
  const name = tab.id.replace('tab-', '');
  const panel = document.getElementById(`view-${name}`);
  if (panel && !mounted.has(name)) {
    mounted.add(name);
    views[name]?.(panel);
  }
  if (focus) tab.focus();
  history.replaceState(null, '', `${location.search}#${name}`);
}

tabs.forEach((tab, index) => {
  tab.addEventListener('click', () => select(tab, false));
  // WAI-ARIA tabs: arrow keys move between tabs.
  tab.addEventListener('keydown', (event) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    select(tabs[(index + step + tabs.length) % tabs.length] as HTMLButtonElement, true);
  });
});

const initial = tabs.find((tab) => tab.id === `tab-${location.hash.slice(1)}`) ?? tabs[0];
if (initial) select(initial, false);
