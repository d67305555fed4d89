"use client";

// Who is signed in and the API client that acts for them. Locally a dev
// token from the local server's login page (kept in this browser's
// storage); in the cloud Clerk's session token, fetched fresh per request.

import { usePathname, useRouter } from "next/navigation";
import * as React from "react";

import { ApiClient, type ApiError, type TokenSource } from "./api";
import { type DashboardConfig, loadConfig } from "./config";
import { preloadFirstScreen } from "./preload";
import type { Me } from "./types";

const STORAGE_KEY = "norvalt.session";

export interface StoredSession {
  token: string;
  expires_at: string;
  name?: string;
}

// Module scope: runs as soon as this code loads, before React mounts.
if (typeof window !== "undefined") {
  preloadFirstScreen(window.location.pathname, () => storedSession()?.token ?? null);
}

export function storedSession(): StoredSession | null {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as StoredSession;
    // A minute's margin, so a request never leaves with a dying token.
    if (!session.token || Date.parse(session.expires_at) - 60_000 < Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function storeSession(session: StoredSession) {
  window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession() {
  window.localStorage.removeItem(STORAGE_KEY);
}

export interface Session {
  config: DashboardConfig;
  api: ApiClient;
  me: Me;
  isAdmin: boolean;
  canManage: boolean;
  signOut: () => void;
  /** Clerk's organisation switcher and user button, when Clerk is in use. */
  accountControls?: React.ReactNode;
}

const SessionContext = React.createContext<Session | null>(null);

export function useSession(): Session {
  const session = React.useContext(SessionContext);
  if (!session) throw new Error("useSession outside <RequireSession>");
  return session;
}

export function useConfig() {
  const [state, setState] = React.useState<{ config?: DashboardConfig; error?: Error }>({});
  React.useEffect(() => {
    loadConfig().then(
      (config) => setState({ config }),
      (error: Error) => setState({ error }),
    );
  }, []);
  return state;
}

/**
 * Given a way to get tokens, loads `/api/me` and provides the session to
 * its children; shows `fallback` while loading and `renderError` on failure.
 */
export function SessionFromTokens({
  config,
  getToken,
  onUnauthorized,
  signOut,
  accountControls,
  children,
  fallback,
  renderError,
}: {
  config: DashboardConfig;
  getToken: TokenSource;
  onUnauthorized: (error: ApiError) => void;
  signOut: () => void;
  accountControls?: React.ReactNode;
  children: React.ReactNode;
  fallback: React.ReactNode;
  renderError: (error: unknown, retry: () => void) => React.ReactNode;
}) {
  const api = React.useMemo(
    () => new ApiClient({ baseUrl: config.api_url, getToken, onUnauthorized }),
    [config.api_url, getToken, onUnauthorized],
  );
  const [state, setState] = React.useState<{ me?: Me; error?: unknown }>({});
  const [attempt, setAttempt] = React.useState(0);
  React.useEffect(() => {
    let live = true;
    setState({});
    api.get<Me>("/api/me").then(
      (me) => {
        performance.mark("norvalt:signed-in");
        if (live) setState({ me });
      },
      (error) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [api, attempt]);
  const session = React.useMemo<Session | null>(() => {
    if (!state.me) return null;
    const role = state.me.role;
    return {
      config,
      api,
      me: state.me,
      isAdmin: role === "admin",
      canManage: role === "admin" || role === "manager",
      signOut,
      accountControls,
    };
  }, [state.me, config, api, signOut, accountControls]);
  if (state.error) return <>{renderError(state.error, () => setAttempt((n) => n + 1))}</>;
  if (!session) return <>{fallback}</>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The local dev login's session: a token in this browser's storage. */
export function LocalSession({
  config,
  children,
  fallback,
  renderError,
}: {
  config: DashboardConfig;
  children: React.ReactNode;
  fallback: React.ReactNode;
  renderError: (error: unknown, retry: () => void) => React.ReactNode;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const [session, setSession] = React.useState<StoredSession | null | undefined>(undefined);
  React.useEffect(() => {
    const found = storedSession();
    setSession(found);
    if (!found) router.replace(`/login/?next=${encodeURIComponent(pathname)}`);
  }, [router, pathname]);
  const token = session?.token ?? null;
  const getToken = React.useCallback(async () => token, [token]);
  const onUnauthorized = React.useCallback(
    (error: ApiError) => {
      clearSession();
      router.replace(`/login/?reason=${encodeURIComponent(error.code)}`);
    },
    [router],
  );
  const signOut = React.useCallback(() => {
    clearSession();
    router.replace("/login/");
  }, [router]);
  if (!session) return <>{fallback}</>;
  return (
    <SessionFromTokens
      config={config}
      getToken={getToken}
      onUnauthorized={onUnauthorized}
      signOut={signOut}
      fallback={fallback}
      renderError={renderError}
    >
      {children}
    </SessionFromTokens>
  );
}
