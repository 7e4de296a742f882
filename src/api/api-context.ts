import type { Invoker } from '../runtime/invoker.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../store/store.ts';

/** What management routes work with, passed down explicitly. */
export interface ApiContext {
  readonly store: Store;
  readonly secrets: SecretBox;
  /** For test runs from the editor: the same runtime and limits as production. */
  readonly runtime: Invoker;
}
