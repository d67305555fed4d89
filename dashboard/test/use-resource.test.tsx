// @vitest-environment happy-dom
import { act } from "react";
import * as React from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it, vi } from "vitest";

// The session's API client, answering each path when the test says so.
const pending = new Map<string, (value: unknown) => void>();
const fakeApi = {
  get: vi.fn((path: string) => new Promise((resolve) => pending.set(path, resolve))),
};
vi.mock("@/lib/session", () => ({ useSession: () => ({ api: fakeApi }) }));

const { useResource } = await import("@/lib/use-resource");

function Probe({ path, query }: { path: string; query?: Record<string, string> }) {
  const lead = useResource<{ name: string }>(path, query);
  return <p>{lead.data ? lead.data.name : "(laster)"}</p>;
}

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

async function answer(path: string, value: unknown) {
  await act(async () => pending.get(path)?.(value));
}

describe("useResource", () => {
  afterEach(() => {
    pending.clear();
    document.body.innerHTML = "";
  });

  it("never shows the previous lead while the next one loads", async () => {
    const container = document.createElement("div");
    document.body.append(container);
    const root = createRoot(container);
    await act(async () => root.render(<Probe path="/api/leads/a" />));
    await answer("/api/leads/a", { name: "Kari" });
    expect(container.textContent).toBe("Kari");

    await act(async () => root.render(<Probe path="/api/leads/b" />));
    expect(container.textContent).toBe("(laster)");
    await answer("/api/leads/b", { name: "Ola" });
    expect(container.textContent).toBe("Ola");
    await act(async () => root.unmount());
  });

  it("keeps a list's rows while the same path loads with a new filter", async () => {
    const container = document.createElement("div");
    document.body.append(container);
    const root = createRoot(container);
    await act(async () => root.render(<Probe path="/api/leads" query={{ status: "new" }} />));
    await answer("/api/leads", { name: "Nye" });
    await act(async () => root.render(<Probe path="/api/leads" query={{ status: "won" }} />));
    expect(container.textContent).toBe("Nye");
    await answer("/api/leads", { name: "Vunnet" });
    expect(container.textContent).toBe("Vunnet");
    await act(async () => root.unmount());
  });
});
