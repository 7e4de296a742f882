// Loading and error states for every request the app makes.
import { type DependencyList, type ReactNode, useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setLoading(true);
    run().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (cause: unknown) => {
        if (!live) return;
        setError(messageOf(cause));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

export function AsyncView<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  if (state.error !== undefined)
    return (
      <p role="alert" className="error">
        {state.error} <button onClick={state.reload}>Try again</button>
      </p>
    );
  if (state.data === undefined) return <p className="muted">Loading…</p>;
  return <>{children(state.data)}</>;
}
