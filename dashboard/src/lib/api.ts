// The one way the dashboard talks to the Norvalt API: a bearer token on
// every request, JSON in and out, and every failure turned into an
// `ApiError` carrying the API's stable code and its message.

import { takePreloaded } from "./preload";

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, details: unknown = null, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** The fields a 422 names, if any. */
  get fields(): FieldError[] {
    const d = this.details as { fields?: unknown } | null;
    if (!d || !Array.isArray(d.fields)) return [];
    return d.fields.filter(
      (f): f is FieldError => typeof f?.field === "string" && typeof f?.message === "string",
    );
  }
}

/** Norwegian words for the codes a rep can meet; otherwise the API's own message. */
const CODE_TEXT: Record<string, string> = {
  network_error: "Får ikke kontakt med Norvalt. Sjekk nettforbindelsen og prøv igjen.",
  missing_token: "Du er ikke logget inn.",
  invalid_token: "Innloggingen er ugyldig. Logg inn på nytt.",
  token_expired: "Innloggingen har gått ut. Logg inn på nytt.",
  session_inactive: "Økten er ikke aktiv. Logg inn på nytt.",
  no_active_organization: "Velg en forhandler (organisasjon) for å fortsette.",
  unknown_organization: "Organisasjonen er ikke koblet til en Norvalt-forhandler.",
  insufficient_role: "Rollen din har ikke tilgang til dette.",
  lead_not_found: "Fant ikke leadet. Det kan være slettet.",
  vehicle_not_found: "Fant ikke bilen.",
  rule_not_found: "Fant ikke regelen.",
  validation_failed: "Noen felt er ikke gyldige.",
  write_conflict: "Noen andre endret dette samtidig. Last inn på nytt og prøv igjen.",
  rate_limited: "For mange forespørsler. Vent litt og prøv igjen.",
  last_admin: "Forhandleren må ha minst én aktiv administrator.",
  payload_too_large: "Innholdet er for stort.",
  sending_unavailable: "Sending er ikke satt opp i dette miljøet.",
};

const FIELD_TEXT: Record<string, string> = {
  "is required": "må fylles ut",
};

/** What to show a person for an error: Norwegian where we know the code. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const base = CODE_TEXT[error.code] ?? error.message;
    const fields = error.fields.map((f) => `${f.field}: ${FIELD_TEXT[f.message] ?? f.message}`);
    return fields.length ? `${base} (${fields.join("; ")})` : base;
  }
  if (error instanceof Error) return error.message;
  return "Noe gikk galt.";
}

export type TokenSource = () => Promise<string | null>;

export interface ApiClientOptions {
  baseUrl: string;
  getToken: TokenSource;
  /** Called on a 401, after the error is built (to send the person to sign in). */
  onUnauthorized?: (error: ApiError) => void;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export class ApiClient {
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.options = options;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", withQuery(path, query), undefined, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  /** GETs a file (a CSV export) as a Blob. */
  async download(path: string, query?: Query): Promise<Blob> {
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    const token = await this.options.getToken();
    let response: Response;
    try {
      response = await doFetch(this.options.baseUrl + withQuery(path, query), {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    } catch {
      throw new ApiError(0, "network_error", CODE_TEXT.network_error);
    }
    if (!response.ok) throw await errorFrom(response);
    return response.blob();
  }

  /** POSTs a file as it is (a stock feed), not as JSON. */
  upload<T>(path: string, file: Blob, contentType: string): Promise<T> {
    return this.request<T>("POST", path, undefined, undefined, { body: file, contentType });
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, raw?: { body: BodyInit; contentType: string }): Promise<T> {
    const doFetch = this.options.fetch ?? globalThis.fetch.bind(globalThis);
    const headers: Record<string, string> = { accept: "application/json" };
    const token = await this.options.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (raw) headers["content-type"] = raw.contentType;
    else if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    const preloaded = method === "GET" ? takePreloaded(this.options.baseUrl + path, token) : undefined;
    try {
      response = await (preloaded ??
        doFetch(this.options.baseUrl + path, {
          method,
          headers,
          body: raw ? raw.body : body === undefined ? undefined : JSON.stringify(body),
          signal,
        }));
    } catch (e) {
      if ((e as Error)?.name === "AbortError") throw e;
      throw new ApiError(0, "network_error", CODE_TEXT.network_error);
    }
    if (response.ok) {
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError(response.status, "invalid_response", "Svaret fra serveren var ikke gyldig JSON.");
      }
    }
    const error = await errorFrom(response);
    if (response.status === 401) this.options.onUnauthorized?.(error);
    throw error;
  }
}

/** Reads the API's error shape, or makes one for a proxy's HTML page. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get("retry-after"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    // Not JSON: a gateway or proxy answered.
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && typeof error.code === "string") {
    const message = typeof error.message === "string" && error.message ? error.message : `HTTP ${response.status}`;
    return new ApiError(response.status, error.code, message, error.details ?? null, retryAfter);
  }
  const message =
    response.status >= 500
      ? `Serveren svarte med en feil (HTTP ${response.status}). Prøv igjen om litt.`
      : `Uventet svar fra serveren (HTTP ${response.status}).`;
  return new ApiError(response.status, `http_${response.status}`, message, null, retryAfter);
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
