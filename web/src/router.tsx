// A small history router: the app has a handful of pages, and Switchyard serves index.html for each path.
import { type AnchorHTMLAttributes, type ReactNode, useEffect, useState } from 'react';

const listeners = new Set<() => void>();
/** Pages with unsaved work: each entry names what would be lost. */
const guards = new Set<{ what: string }>();

/** While `guard` is registered, leaving in the app asks first. Returns the unregister function. */
export function addLeaveGuard(guard: { what: string }): () => void {
  guards.add(guard);
  return () => guards.delete(guard);
}

/**
 * Whether the user may leave the page: true when nothing is unsaved or they confirm. The guards stay: the
 * page that registered them drops them when it unmounts (and keeps guarding if leaving failed after all).
 */
export function confirmLeave(): boolean {
  if (guards.size === 0) return true;
  const what = [...guards].map((g) => g.what).join(', ');
  return confirm(`You have unsaved changes (${what}). Leave and lose them?`);
}

/**
 * `force` skips the unsaved-changes question: for a page that has just saved its work and moves on, or a
 * caller that asked already (confirmLeave).
 */
export function navigate(path: string, { force = false }: { force?: boolean } = {}): void {
  if (path === location.pathname + location.search) return;
  if (!force && !confirmLeave()) return;
  history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** `/functions/:id` against `/functions/fn_1` → {id: 'fn_1'}; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/:[a-zA-Z]+/g, (name) => {
      names.push(name.slice(1));
      return '([^/]+)';
    })}/?$`,
  );
  const found = regex.exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
}

export function Link({
  to,
  children,
  ...rest
}: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a
      href={to}
      {...rest}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
