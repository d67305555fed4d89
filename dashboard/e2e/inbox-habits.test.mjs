// The sales floor's inbox habits in headless Chromium against the local
// server: a view opened from its URL and saved; a bulk assignment across
// every page of a filter; a canned reply whose fields are filled (and one
// that cannot be sent until a missing field is written out); the keyboard;
// a browser notification with the permission granted; a deleted lead
// leaving an open inbox. axe-checked throughout.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { apiAs, launchBrowser, screenshot, seriousViolations, signIn, startServer, tokenFor } from "./helpers.mjs";

const REP = "Sofie Bråten";
const MANAGER = "Per Østby";
const LEADS = 30;

async function expectAccessible(page, name) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
}

describe("inbox habits", () => {
  let server;
  let browser;
  let page;
  let manager;
  let rep;
  let repId;

  before(async () => {
    server = await startServer();
    manager = await tokenFor(server.url, MANAGER);
    rep = await tokenFor(server.url, REP);
    repId = (await apiAs(server.url, rep, "GET", "/api/me")).body.user.id;
    for (let i = 1; i <= LEADS; i++) {
      const n = String(i).padStart(2, "0");
      const { status } = await apiAs(server.url, manager, "POST", "/api/leads", {
        customer_name: `Kunde${n} Hansen`,
        customer_email: `kunde${n}@example.no`,
        vehicle_interest: "Volvo EX30",
      });
      assert.equal(status, 201);
    }
    const setup = await apiAs(server.url, manager, "PATCH", "/api/inbox-setup", {
      tags: [{ name: "Innbytte", colour: "teal" }],
      canned_replies: [
        { title: "Takk for henvendelsen", body: "Hei {fornavn}! Takk for at du spør om {bil}. Hilsen {selger}, {forhandler}" },
        { title: "Book prøvetur", body: "Hei {fornavn}, book her: {bookinglenke}" },
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "nb-NO", timezoneId: "Europe/Oslo" });
    await context.grantPermissions(["notifications"], { origin: server.url });
    // Record each notification the page shows (and show it, if the browser can).
    await context.addInitScript(() => {
      window.__notes = [];
      const Real = window.Notification;
      window.Notification = new Proxy(Real, {
        construct(target, args) {
          window.__notes.push({ title: args[0], body: args[1]?.body });
          try {
            return new target(...args);
          } catch {
            return { close() {} };
          }
        },
      });
    });
    page = await context.newPage();
    await signIn(page, server.url, REP);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("a view opens from its URL, and a rep saves it as her own", async () => {
    await page.goto(`${server.url}/inbox/?assigned=none&sort=oldest`);
    await page.getByTestId("lead-row").first().waitFor();
    assert.equal(await page.getByLabel("Tildelt").inputValue(), "none");
    assert.equal(await page.getByLabel("Sortering").inputValue(), "oldest");
    assert.match(await page.getByTestId("lead-row").first().innerText(), /Kunde01/);
    await page.getByTestId("save-view").click();
    await page.getByLabel("Navn på visningen").fill("Eldste ledige");
    await page.getByRole("button", { name: "Lagre for meg" }).click();
    await page.getByRole("button", { name: "Eldste ledige", exact: true }).waitFor();
    // Kept on the server: there after a reload, and it opens the same filters.
    await page.goto(`${server.url}/inbox/`);
    await page.getByRole("button", { name: "Eldste ledige", exact: true }).click();
    await page.waitForURL(/assigned=none&sort=oldest/);
    await page.getByTestId("view-unassigned").click();
    await page.waitForURL(/\?assigned=none$/);
    assert.equal(await page.getByTestId("view-unassigned").getAttribute("aria-pressed"), "true");
    await screenshot(page, "40-inbox-views");
    await expectAccessible(page, "inbox views");
  });

  test("a bulk assignment reaches every lead of the filter, not just the page", async () => {
    await page.goto(`${server.url}/inbox/?assigned=none`);
    await page.getByTestId("lead-row").first().waitFor();
    assert.equal(await page.getByTestId("lead-row").count(), 25, "one page on screen");
    await page.getByTestId("select-page").check();
    await page.getByTestId("select-every-matching").click();
    await page.getByLabel("Handling", { exact: true }).selectOption("assign");
    await page.getByLabel("Velg verdi").selectOption({ label: REP });
    await expectAccessible(page, "bulk bar");
    await page.getByTestId("bulk-apply").click();
    await page.getByTestId("inbox-status").filter({ hasText: `${LEADS} endret` }).waitFor();
    const left = await apiAs(server.url, rep, "GET", "/api/leads?unassigned=true");
    assert.equal(left.body.items.length, 0, "none left unassigned");
    const mine = await apiAs(server.url, rep, "GET", `/api/leads?assigned_to=${repId}&limit=100`);
    assert.equal(mine.body.items.length, LEADS);
    // The same request again changes nothing.
    const again = await apiAs(server.url, rep, "POST", "/api/leads/bulk", {
      lead_ids: mine.body.items.map((l) => l.id),
      action: { kind: "assign", user_id: repId },
    });
    assert.deepEqual([again.body.changed, again.body.unchanged], [0, LEADS]);
    await screenshot(page, "41-inbox-bulk");
  });

  test("a canned reply goes in with its fields filled, and an empty field stops the send", async () => {
    const { body } = await apiAs(server.url, rep, "GET", "/api/leads?search=kunde07");
    const lead = body.items[0];
    await page.goto(`${server.url}/lead/?id=${lead.id}`);
    const box = page.locator("#reply-text");
    await box.waitFor();
    await box.fill("/takk");
    await page.getByTestId("canned-picker").waitFor();
    await expectAccessible(page, "canned reply picker");
    await box.press("Enter");
    const text = await box.inputValue();
    assert.match(text, /^Hei Kunde07! Takk for at du spør om Volvo EX30\. Hilsen Sofie Bråten, /);
    assert.ok(!text.includes("{"), text);
    const send = page.getByRole("button", { name: "Send e-post" });
    assert.equal(await send.isEnabled(), true);

    // A customer with no name has no {fornavn}: it stays, named, and nothing can be sent.
    const nameless = await apiAs(server.url, manager, "POST", "/api/leads", { customer_email: "anonym@example.no" });
    await page.goto(`${server.url}/lead/?id=${nameless.body.id}`);
    await box.waitFor();
    await box.fill("/takk");
    await page.getByRole("button", { name: /Takk for henvendelsen/ }).click();
    // Nor a car: both are named.
    await page.getByTestId("unfilled-fields").filter({ hasText: "{fornavn}, {bil}" }).waitFor();
    assert.equal(await send.isEnabled(), false);
    await screenshot(page, "42-canned-missing-field");
    await expectAccessible(page, "reply with a missing field");
    await box.fill((await box.inputValue()).replace("{fornavn}", "der").replace("{bil}", "bilen"));
    await page.getByTestId("unfilled-fields").waitFor({ state: "detached" });
    assert.equal(await send.isEnabled(), true);
  });

  test("the keyboard moves, opens, assigns and searches, never while typing", async () => {
    await page.goto(`${server.url}/inbox/`);
    const rows = page.getByTestId("lead-row");
    await rows.first().waitFor();
    await page.locator("body").press("j");
    await page.locator('[data-testid="lead-row"][data-row-index="0"][data-focused]').waitFor();
    await page.locator("body").press("j");
    await page.locator('[data-testid="lead-row"][data-row-index="1"][data-focused]').waitFor();
    await page.locator("body").press("k");
    await page.locator('[data-testid="lead-row"][data-row-index="0"][data-focused]').waitFor();
    await page.locator("body").press("?");
    await page.getByTestId("shortcuts-help").waitFor();
    await expectAccessible(page, "shortcuts dialog");
    await page.keyboard.press("Escape");
    await page.getByTestId("shortcuts-help").waitFor({ state: "detached" });
    await page.locator("body").press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "search");
    await page.keyboard.type("jk");
    assert.equal(await page.locator("#search").inputValue(), "jk", "typed, not shortcuts");
    await page.locator('[data-testid="lead-row"][data-row-index="0"][data-focused]').waitFor();
    await page.locator("#search").fill("");
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    const first = await rows.first().getAttribute("data-lead-id");
    // The newest lead (the nameless one) has no rep: `a` makes it hers.
    assert.equal((await apiAs(server.url, rep, "GET", `/api/leads/${first}`)).body.assigned_to, null);
    await page.locator("body").press("a");
    await page.getByTestId("inbox-status").filter({ hasText: "Tildelt deg" }).waitFor();
    assert.equal((await apiAs(server.url, rep, "GET", `/api/leads/${first}`)).body.assigned_to, repId);
    await page.locator("body").press("Enter");
    await page.waitForURL(new RegExp(`/lead/\\?id=${first}`));
  });

  test("a granted notification tells the rep of a lead given to her", async () => {
    const other = await apiAs(server.url, manager, "POST", "/api/leads", {
      customer_name: "Nora Varsel",
      customer_email: "nora@example.no",
      vehicle_interest: "Polestar 2",
    });
    await page.goto(`${server.url}/inbox/`);
    await page.getByTestId("lead-row").first().waitFor();
    await page.getByTestId("notify-toggle").click();
    await page.getByTestId("notify-toggle").filter({ hasText: "Varsler på" }).waitFor();
    // Given to her after the page opened: one notification, with name and car.
    await apiAs(server.url, manager, "PATCH", `/api/leads/${other.body.id}`, { assigned_to: repId });
    await page.waitForFunction(() => window.__notes.length > 0, null, { timeout: 20_000 });
    const notes = await page.evaluate(() => window.__notes);
    assert.deepEqual(notes, [{ title: "Nytt lead til deg: Nora Varsel", body: "Polestar 2" }]);
  });

  test("a rep puts a tag on a lead from its page and takes it off again", async () => {
    const { body } = await apiAs(server.url, rep, "GET", "/api/leads?limit=1&search=kunde07");
    const lead = body.items[0];
    await page.goto(`${server.url}/lead/?id=${lead.id}`);
    const editor = page.getByTestId("lead-tags");
    await editor.getByLabel("Etiketter").selectOption({ label: "Innbytte" });
    await editor.getByRole("button", { name: "Fjern etiketten Innbytte" }).waitFor();
    await expectAccessible(page, "lead page with a tag");
    const tagged = await apiAs(server.url, rep, "GET", `/api/leads/${lead.id}`);
    assert.equal(tagged.body.tags.length, 1);
    // The inbox filters by it.
    await page.goto(`${server.url}/inbox/?tag=${tagged.body.tags[0]}`);
    await page.locator(`[data-testid="lead-row"][data-lead-id="${lead.id}"]`).waitFor();
    assert.equal(await page.getByTestId("lead-row").count(), 1);
    await page.goto(`${server.url}/lead/?id=${lead.id}`);
    await editor.getByRole("button", { name: "Fjern etiketten Innbytte" }).click();
    await editor.getByLabel("Etiketter").waitFor();
    await editor.getByRole("button", { name: "Fjern etiketten Innbytte" }).waitFor({ state: "detached" });
    const untagged = await apiAs(server.url, rep, "GET", `/api/leads/${lead.id}`);
    assert.deepEqual(untagged.body.tags, []);
  });

  test("a lead deleted elsewhere leaves the open inbox on the next poll", async () => {
    await page.goto(`${server.url}/inbox/`);
    const rows = page.getByTestId("lead-row");
    await rows.first().waitFor();
    const id = await rows.first().getAttribute("data-lead-id");
    const { status } = await apiAs(server.url, manager, "DELETE", `/api/leads/${id}`);
    assert.equal(status, 204);
    await page.locator(`[data-testid="lead-row"][data-lead-id="${id}"]`).waitFor({ state: "detached", timeout: 20_000 });
  });
});
