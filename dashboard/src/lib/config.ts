// The dashboard is one static build for every environment: where the API is
// and how people sign in come at run time from `/config.json` (the local
// server answers it; in AWS the deploy writes it next to the files).

export type AuthMode = "local" | "clerk" | "none";

export interface DashboardConfig {
  /** The API's origin, or "" when it is the dashboard's own. */
  api_url: string;
  auth: AuthMode;
  clerk_publishable_key?: string;
}

let loaded: Promise<DashboardConfig> | null = null;

export function loadConfig(): Promise<DashboardConfig> {
  loaded ??= fetch("/config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`config.json: HTTP ${r.status}`))))
    .then(parseConfig)
    .catch((e) => {
      loaded = null;
      throw e;
    });
  return loaded;
}

export function parseConfig(raw: unknown): DashboardConfig {
  const value = (raw ?? {}) as Record<string, unknown>;
  const api_url = typeof value.api_url === "string" ? value.api_url.replace(/\/+$/, "") : "";
  const auth: AuthMode = value.auth === "clerk" || value.auth === "local" ? value.auth : "none";
  const key = typeof value.clerk_publishable_key === "string" ? value.clerk_publishable_key : undefined;
  if (auth === "clerk" && !key) {
    throw new Error("config.json: auth is clerk but clerk_publishable_key is missing");
  }
  return { api_url, auth, clerk_publishable_key: key };
}
