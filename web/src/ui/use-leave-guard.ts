// Unsaved work is never lost silently: while `dirty`, closing or reloading the tab asks (beforeunload) and so
// does leaving through the app's own links, workspace switcher or Sign out (the router's guard).
import { useEffect } from 'react';
import { addLeaveGuard } from '../router.tsx';

export function useLeaveGuard(dirty: boolean, what: string): void {
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener('beforeunload', warn);
    const remove = addLeaveGuard({ what });
    return () => {
      removeEventListener('beforeunload', warn);
      remove();
    };
  }, [dirty, what]);
}
