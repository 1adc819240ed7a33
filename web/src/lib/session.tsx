// The signed-in session: user, workspace (its timezone drives every displayed time) and
// permissions. On start it exchanges a stored refresh token for an access token and loads
// /users/me, /workspaces and /auth/me/permissions; a failed refresh leaves the app signed out.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  api, clearTokens, get, getAll, post, refreshSession, setSessionExpiredHandler, storedRefreshToken,
  storeTokens, type TokenPair,
} from './api';

export interface User {
  id: string; full_name: string; email: string; role: string; role_label?: string; status: string;
  phone?: string | null; department_name?: string | null; designation?: string | null;
  manager_name?: string | null; shift_name?: string | null; shift_timing?: string | null;
  shift_id?: string | null; joined_at?: string;
}
export interface Workspace { id: string; name: string; timezone: string; role?: string; role_label?: string; is_current?: boolean; status?: string }

interface LoginResponse extends TokenPair { user: User; workspace: Workspace; permissions: string[] }

export interface Session {
  state: 'loading' | 'signed-out' | 'signed-in';
  user: User | null;
  workspace: Workspace | null;
  workspaces: Workspace[];
  permissions: string[];
  tz: string;
  expired: boolean;
  login(email: string, password: string): Promise<User>;
  adopt(resp: LoginResponse): void;
  logout(): Promise<void>;
  reload(): Promise<void>;
  switchWorkspace(id: string): Promise<void>;
  can(perm: string): boolean;
}

const Ctx = createContext<Session | null>(null);
const DEFAULT_TZ = 'Asia/Karachi';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<Session['state']>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [workspaces, setWorkspaces] = useState<Workspace[]>([]);
  const [permissions, setPermissions] = useState<string[]>([]);
  const [expired, setExpired] = useState(false);

  const signOutLocally = useCallback(() => {
    clearTokens();
    setUser(null);
    setWorkspace(null);
    setWorkspaces([]);
    setPermissions([]);
    setState('signed-out');
  }, []);

  const reload = useCallback(async () => {
    const [me, wss, perms] = await Promise.all([
      get<User>('/users/me'),
      getAll<Workspace>('/workspaces'),
      get<{ permissions: string[] }>('/auth/me/permissions'),
    ]);
    setUser(me);
    setWorkspaces(wss);
    setWorkspace(wss.find((w) => w.is_current) ?? wss[0] ?? null);
    setPermissions(perms.permissions ?? []);
    setState('signed-in');
  }, []);

  useEffect(() => {
    setSessionExpiredHandler(() => {
      setExpired(true);
      signOutLocally();
    });
    (async () => {
      if (!storedRefreshToken()) {
        setState('signed-out');
        return;
      }
      try {
        if (await refreshSession()) {
          await reload();
          return;
        }
      } catch { /* network: fall through to signed out */ }
      setState('signed-out');
    })();
    return () => setSessionExpiredHandler(null);
  }, [reload, signOutLocally]);

  const adopt = useCallback((resp: LoginResponse) => {
    storeTokens(resp);
    setExpired(false);
    setUser(resp.user);
    setWorkspace(resp.workspace);
    setWorkspaces([resp.workspace]);
    setPermissions(resp.permissions ?? []);
    setState('signed-in');
    getAll<Workspace>('/workspaces').then(setWorkspaces).catch(() => undefined);
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const resp = await api<LoginResponse>('POST', '/auth/login', { body: { email, password }, auth: false });
    adopt(resp);
    return resp.user;
  }, [adopt]);

  const logout = useCallback(async () => {
    try {
      await post('/auth/logout', { refresh_token: storedRefreshToken() });
    } catch { /* the session ends locally either way */ }
    signOutLocally();
  }, [signOutLocally]);

  const switchWorkspace = useCallback(async (id: string) => {
    const pair = await post<TokenPair>(`/workspaces/${id}/switch`);
    storeTokens(pair);
    await reload();
  }, [reload]);

  const value = useMemo<Session>(() => ({
    state, user, workspace, workspaces, permissions, expired,
    tz: workspace?.timezone || DEFAULT_TZ,
    login, adopt, logout, reload, switchWorkspace,
    can: (perm: string) => permissions.includes(perm),
  }), [state, user, workspace, workspaces, permissions, expired, login, adopt, logout, reload, switchWorkspace]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
