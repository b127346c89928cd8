import { UnknownNameError } from '../errors/unknown-name-error.js';

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an existing entry without a warning. Default `false` (replace, but warn). */
  override?: boolean;
}

interface RegistryStore<T> {
  entries: Map<string, T>;
}

const globalKeyPrefix = 'graft.registry.';

/**
 * A named collection of descriptors (backbones, heads, schedules, augmentation ops …), in the
 * spirit of timm's `register_model` and tfjs's kernel registry.
 *
 * The entries live on `globalThis` under `Symbol.for('graft.registry.<kind>')`, so two copies of
 * a package (a bundler duplicate, a nested install) share one registry. Registering a name twice
 * warns and replaces; looking up an unknown name throws an {@link UnknownNameError} that lists
 * the valid names.
 */
export class Registry<T> {
  /** What the registry holds, used in messages, e.g. `backbone`. */
  readonly kind: string;
  private readonly store: RegistryStore<T>;
  private readonly warn: (message: string) => void;

  constructor(options: {
    /** What the registry holds, e.g. `backbone`; also the global key. */
    kind: string;
    /** Where duplicate-registration warnings go. Default `console.warn`. */
    warn?: (message: string) => void;
  }) {
    this.kind = options.kind;
    this.warn = options.warn ?? ((message) => console.warn(message));
    const key = Symbol.for(globalKeyPrefix + options.kind);
    const holder = globalThis as unknown as Record<symbol, RegistryStore<T> | undefined>;
    let store = holder[key];
    if (store === undefined) {
      store = { entries: new Map() };
      holder[key] = store;
    }
    this.store = store;
  }

  /** Adds `value` under `name`. A duplicate name warns (unless `override`) and replaces. */
  register(name: string, value: T, options: RegisterOptions = {}): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(
        `A ${this.kind} name must be a non-empty string. Received: ${String(name)}`,
      );
    }
    if (this.store.entries.has(name) && options.override !== true) {
      this.warn(`The ${this.kind} ${JSON.stringify(name)} is already registered; replacing it.`);
    }
    this.store.entries.set(name, value);
  }

  /** Removes `name`; returns whether it was registered. */
  unregister(name: string): boolean {
    return this.store.entries.delete(name);
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.store.entries.has(name);
  }

  /** The entry for `name`; throws {@link UnknownNameError} listing the valid names otherwise. */
  get(name: string): T {
    const value = this.store.entries.get(name);
    if (value === undefined) {
      throw new UnknownNameError({ kind: this.kind, name: String(name), validNames: this.names() });
    }
    return value;
  }

  /**
   * Registered names in sorted order. `pattern` filters with `*` wildcards (`mobilenet*`), as
   * timm's `list_models` does.
   */
  names(pattern?: string): string[] {
    const names = [...this.store.entries.keys()].sort();
    if (pattern === undefined) return names;
    const expression = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
    return names.filter((name) => expression.test(name));
  }

  /** `[name, entry]` pairs in sorted name order. */
  entries(): Array<[string, T]> {
    return this.names().map((name) => [name, this.store.entries.get(name) as T]);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
