import { describe, expect, it, vi } from "vitest";

import { ApiClient, ApiError, describeError, withQuery } from "@/lib/api";
import { parseConfig } from "@/lib/config";

function respond(status: number, body: string | null, headers: Record<string, string> = {}) {
  return vi.fn(async () => new Response(body, { status, headers }));
}

/** The error a request fails with (the test fails if it succeeds). */
async function failure(request: Promise<unknown>): Promise<ApiError> {
  try {
    await request;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error("the request succeeded");
}

function client(fetch: ReturnType<typeof vi.fn>, onUnauthorized?: (e: ApiError) => void) {
  return new ApiClient({ baseUrl: "https://api.example", getToken: async () => "tok", fetch: fetch as unknown as typeof globalThis.fetch, onUnauthorized });
}

describe("the API client", () => {
  it("sends the bearer token and JSON", async () => {
    const fetch = respond(200, '{"ok":true}');
    await expect(client(fetch).post("/api/leads/1/notes", { text: "hei" })).resolves.toEqual({ ok: true });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("https://api.example/api/leads/1/notes");
    expect(init.method).toBe("POST");
    expect((init.headers as Record<string, string>).authorization).toBe("Bearer tok");
    expect((init.headers as Record<string, string>)["content-type"]).toBe("application/json");
    expect(init.body).toBe('{"text":"hei"}');
  });

  it("turns the API's error shape into an ApiError with code, message and fields", async () => {
    const body = JSON.stringify({
      error: { code: "validation_failed", message: "invalid input", details: { fields: [{ field: "text", message: "is required" }] } },
    });
    const error = await failure(client(respond(422, body)).post("/api/x", {}));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_failed");
    expect(error.fields).toEqual([{ field: "text", message: "is required" }]);
    expect(describeError(error)).toBe("Noen felt er ikke gyldige. (text: må fylles ut)");
  });

  it("shows the API's own message for a code it has no words for", async () => {
    const body = JSON.stringify({ error: { code: "slug_taken", message: "That slug is taken", details: null } });
    const error = await failure(client(respond(409, body)).get("/api/x"));
    expect(describeError(error)).toBe("That slug is taken");
  });

  it("tells the app about a 401 so it can send the person to sign in", async () => {
    const seen: ApiError[] = [];
    const body = JSON.stringify({ error: { code: "token_expired", message: "expired", details: null } });
    await client(respond(401, body), (e) => seen.push(e)).get("/api/leads").catch(() => undefined);
    expect(seen.map((e) => e.code)).toEqual(["token_expired"]);
  });

  it("makes sense of a gateway's HTML error page", async () => {
    const error = await failure(client(respond(502, "<html>Bad gateway</html>")).get("/api/x"));
    expect(error.code).toBe("http_502");
    expect(describeError(error)).toMatch(/HTTP 502/);
  });

  it("reads Retry-After on a 429", async () => {
    const body = JSON.stringify({ error: { code: "rate_limited", message: "slow down", details: null } });
    const error = await failure(client(respond(429, body, { "retry-after": "12" })).post("/api/ai/generate-response", {}));
    expect(error.retryAfter).toBe(12);
    expect(describeError(error)).toMatch(/For mange forespørsler/);
  });

  it("reports a network failure in Norwegian", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("fetch failed");
    });
    const error = await failure(client(fetch).get("/api/x"));
    expect(error.code).toBe("network_error");
    expect(describeError(error)).toMatch(/Får ikke kontakt/);
  });

  it("passes an abort through untouched", async () => {
    const fetch = vi.fn(async () => {
      throw new DOMException("aborted", "AbortError");
    });
    const error = await failure(client(fetch).get("/api/x"));
    expect(error.name).toBe("AbortError");
  });

  it("refuses a success that is not JSON", async () => {
    const error = await failure(client(respond(200, "<html>")).get("/api/x"));
    expect(error.code).toBe("invalid_response");
  });

  it("accepts an empty 204", async () => {
    await expect(client(respond(204, null)).delete("/api/vehicles/1")).resolves.toBeUndefined();
  });

  it("drops empty query values and encodes the rest", () => {
    expect(withQuery("/api/leads", { status: "new", source: "", cursor: undefined, search: "Bjørn Ås" })).toBe(
      "/api/leads?status=new&search=Bj%C3%B8rn+%C3%85s",
    );
  });
});

describe("config.json", () => {
  it("defaults to no auth and the dashboard's own origin", () => {
    expect(parseConfig({})).toEqual({ api_url: "", auth: "none", clerk_publishable_key: undefined });
  });

  it("trims a trailing slash off the API URL", () => {
    expect(parseConfig({ api_url: "https://api.norvalt.no/", auth: "local" }).api_url).toBe("https://api.norvalt.no");
  });

  it("refuses Clerk without a publishable key", () => {
    expect(() => parseConfig({ auth: "clerk" })).toThrow(/clerk_publishable_key/);
  });
});
