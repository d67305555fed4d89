// The first screen's requests, started as soon as the dashboard's code has
// loaded instead of after React has mounted the session and the page: the
// config, who is signed in, the team and the inbox's first page go out at
// once, and the API client takes the answers when the components ask.

import { loadConfig } from "./config";

interface Pending {
  token: string;
  response: Promise<Response>;
}

const pending = new Map<string, Pending>();

/** Starts a GET of `url` with `token`, for `takePreloaded` to hand over once. */
export function preload(url: string, token: string) {
  if (pending.has(url)) return;
  const response = fetch(url, { headers: { accept: "application/json", authorization: `Bearer ${token}` } });
  // A failed preload is simply asked again by the component.
  response.catch(() => pending.delete(url));
  pending.set(url, { token, response });
}

/** The preloaded answer for this exact URL and token, once; otherwise undefined. */
export function takePreloaded(url: string, token: string | null): Promise<Response> | undefined {
  const found = pending.get(url);
  if (!found) return undefined;
  pending.delete(url);
  return found.token === token ? found.response : undefined;
}

/** What the page at `pathname` asks for first, with the dev login's stored token. */
export function preloadFirstScreen(pathname: string, token: () => string | null) {
  loadConfig()
    .then((config) => {
      const t = config.auth === "local" ? token() : null;
      if (!t) return;
      const paths = ["/api/me", "/api/users"];
      if (pathname.startsWith("/inbox")) paths.push("/api/leads?limit=25");
      for (const path of paths) preload(config.api_url + path, t);
    })
    .catch(() => undefined);
}
