// Benchmark: the inbox's first load in headless Chromium with 20,000 leads
// in the dealership, and the JavaScript the inbox route ships.
//
//   NORVALT_BIN=target/release/norvalt node dashboard/bench/inbox.mjs
//
// It seeds a fresh data dir (BENCH_LEADS, default 20,000), starts the
// server, signs in once, then opens /inbox/ RUNS times in a new browser
// context each (cold cache, as a rep's first visit) and RUNS times in one
// context (warm), measuring from navigation start to the first lead rows on
// screen (the page's own `norvalt:inbox-rows` mark). Prints the figures for
// docs/benchmarks.md.

import { gzipSync } from "node:zlib";

import { launchBrowser, norvalt, startServer, tokenFor } from "../e2e/helpers.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const LEADS = Number(process.env.BENCH_LEADS ?? 20000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SLUG = "bilsenteret-drammen";

const dataDir = mkdtempSync(path.join(tmpdir(), "norvalt-bench-inbox-"));
await norvalt(dataDir, ["seed"]);
let t = Date.now();
await norvalt(dataDir, ["seed-leads", "--dealership", SLUG, "--count", String(LEADS)]);
console.log(`    seeded ${LEADS} leads in ${((Date.now() - t) / 1000).toFixed(1)} s`);

const server = await startServer({ dataDir, rollupSeconds: "0" });
const browser = await launchBrowser();
const token = await tokenFor(server.url, "Sofie Bråten");
const session = JSON.stringify({ token, expires_at: new Date(Date.now() + 3_600_000).toISOString() });

async function signedInContext() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((value) => window.localStorage.setItem("norvalt.session", value), session);
  return context;
}

/**
 * ms from navigation start until the first page of leads is in the DOM, as
 * the page itself marks it (no test-driver round trips in the figure).
 */
async function firstRows(page) {
  await page.goto(`${server.url}/inbox/`);
  await page.waitForSelector('[data-testid="lead-row"]');
  return page.evaluate(() => performance.getEntriesByName("norvalt:inbox-rows")[0].startTime);
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `p50 ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms (n=${s.length})`;
}

try {
  // One untimed visit, so the server's page cache is as a running server's.
  {
    const c = await signedInContext();
    await firstRows(await c.newPage());
    await c.close();
  }
  const cold = [];
  let scripts = new Map();
  for (let i = 0; i < RUNS; i++) {
    const context = await signedInContext();
    const page = await context.newPage();
    if (i === 0) {
      page.on("response", async (response) => {
        const url = response.url();
        if (response.request().resourceType() === "script" && url.startsWith(server.url)) {
          scripts.set(url, await response.body().catch(() => Buffer.alloc(0)));
        }
      });
    }
    cold.push(await firstRows(page));
    await context.close();
  }
  const context = await signedInContext();
  const page = await context.newPage();
  await firstRows(page);
  const warm = [];
  for (let i = 0; i < RUNS; i++) warm.push(await firstRows(page));
  const rows = await page.locator('[data-testid="lead-row"]').count();
  await context.close();

  const raw = [...scripts.values()].reduce((n, b) => n + b.length, 0);
  const gz = [...scripts.values()].reduce((n, b) => n + gzipSync(b).length, 0);
  console.log(`==> inbox first load in headless Chromium, ${LEADS} leads, first page of ${rows} rows`);
  console.log(`    cold (new browser context each): ${stats(cold)}`);
  console.log(`    warm (same context, reload):     ${stats(warm)}`);
  console.log(`==> JavaScript for /inbox/: ${scripts.size} files, ${(raw / 1024).toFixed(0)} kB raw, ${(gz / 1024).toFixed(0)} kB gzip`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
