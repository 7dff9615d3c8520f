import type {
  ApplyResult,
  DataLoss,
  VersionEntry,
  VersionedChange,
  ViewStoreBase,
} from '../../contracts/view-store.js';
import type { ViewDef } from '../../views/view-def.js';
import type { ViewGenerations } from './view-generations.js';

/**
 * The view as its readers and writers see it: its `scope` is the active
 * generation's, read when used, so a switch takes effect at the next call.
 */
export function generationalView<V>(view: ViewDef<V>, generations: ViewGenerations): ViewDef<V> {
  return Object.defineProperty({ ...view }, 'scope', {
    get: () => generations.readScope(view.name),
    enumerable: true,
  });
}

/**
 * The store one view's projector (and backfills) write through: an apply to
 * the view's active scope goes to every generation that takes writes
 * (active, building, retiring), the active one's result reported. Other
 * calls go to the store as they are.
 */
export class GenerationStore<V> implements ViewStoreBase<V> {
  constructor(
    private readonly store: ViewStoreBase<V>,
    private readonly view: string,
    private readonly generations: ViewGenerations,
  ) {}

  get driver(): string {
    return this.store.driver;
  }

  get processLocal(): boolean | undefined {
    return this.store.processLocal;
  }

  get durability() {
    return this.store.durability;
  }

  get batchSize(): number | undefined {
    return this.store.batchSize;
  }

  ready(): Promise<void> {
    return this.store.ready();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  async applyIfNewer(scope: string, changes: readonly VersionedChange<V>[]): Promise<ApplyResult> {
    const scopes = this.generations.writeScopes(this.view);
    // Outside a rebuild (one generation): straight through, nothing allocated on the projector's path.
    if (scopes.length === 1 || scope !== scopes[0]) return this.store.applyIfNewer(scope, changes);
    // The active generation's result first.
    const [result] = await Promise.all(scopes.map((each) => this.store.applyIfNewer(each, changes)));
    return result!;
  }

  get listVersions(): ((scope: string) => Promise<VersionEntry[]>) | undefined {
    const list = this.store.listVersions;
    return list ? (scope) => list.call(this.store, scope) : undefined;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  get onDataLoss(): ((listener: (loss: DataLoss) => void) => () => void) | undefined {
    const watch = this.store.onDataLoss;
    return watch ? (listener) => watch.call(this.store, listener) : undefined;
  }
}
