// Who is signed in, in which workspace, with which roles: the app shapes itself by them (the server decides).
import { type ReactNode, createContext, useCallback, useContext, useEffect, useState } from 'react';
import { ApiError, api, setCsrfToken, setUnauthorizedHandler } from './api.ts';

export interface RoleGrant {
  role: 'workspace_owner' | 'functions_admin' | 'functions_read_only' | 'source_admin';
  resourceIds?: string[];
}

export interface Me {
  user: { id: string; email: string; name: string } | null;
  workspaceId: string;
  roles: RoleGrant[];
  workspaces: { id: string; name: string }[];
  csrfToken?: string;
}

interface SessionState {
  me: Me | null;
  loading: boolean;
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(async () => {
    try {
      const answer = await api<Me>('GET', '/me');
      setCsrfToken(answer.csrfToken);
      setMe(answer);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    await api('POST', '/auth/sign-out');
    setCsrfToken(undefined);
    setMe(null);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  // An expired session shows the sign-in page where the user was; signing in again lands back there.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(undefined);
      setMe(null);
    });
    return () => setUnauthorizedHandler(undefined);
  }, []);
  return (
    <SessionContext.Provider value={{ me, loading, refresh, signOut }}>{children}</SessionContext.Provider>
  );
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error('useSession outside SessionProvider');
  return state;
}

/** Mirrors the server's permission table, for showing or hiding controls only. */
export function can(
  me: Me | null,
  permission: 'functions:write' | 'sources:write' | 'workspace:admin',
  resourceId?: string,
): boolean {
  return (me?.roles ?? []).some((grant) => {
    if (grant.role === 'workspace_owner') return true;
    const kind = permission.split(':')[0];
    const allowed =
      (permission === 'functions:write' && grant.role === 'functions_admin') ||
      (permission === 'sources:write' && grant.role === 'source_admin');
    if (!allowed) return false;
    if (grant.resourceIds === undefined || kind === undefined) return true;
    return resourceId !== undefined && grant.resourceIds.includes(resourceId);
  });
}
