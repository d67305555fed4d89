// Shared by the end-to-end tests and the inbox benchmark: the local Norvalt
// server on a free port with its own data dir, Debian's Chromium driven by
// playwright-core, an axe-core check, and screenshots.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DASHBOARD = path.resolve(here, "..");
export const ROOT = path.resolve(DASHBOARD, "..");
export const OUTPUT = process.env.NORVALT_E2E_OUTPUT ?? path.join(DASHBOARD, "test-output");
export const SCREENSHOTS = path.join(OUTPUT, "screenshots");

function norvaltBinary() {
  if (process.env.NORVALT_BIN) return process.env.NORVALT_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target");
  return path.join(target, "debug", "norvalt");
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs the `norvalt` CLI on a data dir and returns its standard output. */
export function norvalt(dataDir, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(norvaltBinary(), args, {
      env: { ...process.env, NORVALT_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`norvalt ${args.join(" ")}: ${code}\n${err}`))));
  });
}

/**
 * Starts `norvalt serve` with the built dashboard on a fresh data dir (or
 * `options.dataDir`) and waits until it answers.
 */
export async function startServer(options = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "norvalt-e2e-"));
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const child = spawn(norvaltBinary(), ["serve"], {
    env: {
      ...process.env,
      NORVALT_DATA_DIR: dataDir,
      NORVALT_ADDR: addr,
      NORVALT_DASHBOARD_DIR: path.join(DASHBOARD, "out"),
      NORVALT_ROLLUP_SECONDS: options.rollupSeconds ?? "2",
      NORVALT_IMAP_POLL_SECONDS: "0",
      // Webhooks and Meta stages go out within a second or so.
      NORVALT_EVENT_SCAN_SECONDS: options.eventScanSeconds ?? "1",
      RUST_LOG: "warn",
      ...(options.env ?? {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://${addr}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`norvalt serve exited (${child.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`norvalt serve did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      if (!options.dataDir && !options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once the running server's queues are empty: every capture,
 * reply and send it had to do is done (`norvalt queues settle`). Assert
 * "exactly once" or "nothing" after this, never after a sleep.
 */
export async function settle(server) {
  await norvalt(server.dataDir, ["queues", "settle", "--timeout", "30"]);
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The dev login's directory: dealerships with their people. */
export async function directory(url) {
  const r = await fetch(`${url}/dev/login/users`);
  if (!r.ok) throw new Error(`dev login users: ${r.status}`);
  return (await r.json()).dealerships;
}

/** A token for the named person (as the login page gets one). */
export async function tokenFor(url, personName) {
  for (const d of await directory(url)) {
    const user = d.users.find((u) => u.name === personName);
    if (user) {
      const r = await fetch(`${url}/dev/login/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dealership: d.slug, user_id: user.id }),
      });
      if (!r.ok) throw new Error(`dev token: ${r.status}`);
      return (await r.json()).token;
    }
  }
  throw new Error(`no demo user ${personName}`);
}

export async function apiAs(url, token, method, route, body) {
  const r = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** The dealership's website-form key, read with its admin's token. */
export async function formKey(url, adminName) {
  const token = await tokenFor(url, adminName);
  const { body } = await apiAs(url, token, "GET", "/api/dealership");
  return body.dealership.form_key;
}

/** Posts a lead the way the dealership's website form does. */
export async function postFormLead(url, key, lead) {
  const r = await fetch(`${url}/webhooks/form/${key}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(lead),
  });
  if (r.status >= 300) throw new Error(`form post: ${r.status} ${await r.text()}`);
}

/** Signs in on the login page as the named demo person. */
export async function signIn(page, url, personName) {
  await page.goto(`${url}/login/`);
  await page.getByRole("button", { name: new RegExp(`^Logg inn som ${personName} `) }).click();
  await page.waitForURL(/\/inbox\/$/);
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it is now: the serious and critical violations. */
export async function seriousViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}
