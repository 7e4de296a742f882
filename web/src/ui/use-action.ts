import { useCallback, useState } from 'react';
import { messageOf } from '../api.ts';

/** What a user started (a sign-in, a deploy): busy while it runs, and its error when it failed. */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run(work: () => Promise<void>): Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
