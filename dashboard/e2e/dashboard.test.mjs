// The dashboard end to end, in headless Chromium against the local server:
// a sales rep works a lead from arrival to assignment, a manager builds and
// dry-runs a follow-up, an admin opens the settings, and nothing of the
// other dealership ever shows. Every screen is screenshotted and checked
// with axe-core for serious and critical violations.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  apiAs,
  formKey,
  launchBrowser,
  norvalt,
  postFormLead,
  screenshot,
  settle,
  seriousViolations,
  signIn,
  startServer,
  tokenFor,
} from "./helpers.mjs";

const REP = "Sofie Bråten";
const OTHER_REP = "Magnus Løvås";
const MANAGER = "Per Østby";
const ADMIN = "Ingrid Haugen";
const BERGEN_ADMIN = "Kari Vik";

let server;
let browser;
let page;
let leadId;

async function expectAccessible(name) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
}

describe("dashboard", { timeout: 240_000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "nb-NO", timezoneId: "America/New_York" });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the login page lists the demo people of both dealerships", async () => {
    await page.goto(`${server.url}/login/`);
    await page.getByRole("heading", { name: "Bilsenteret Drammen" }).waitFor();
    await page.getByRole("heading", { name: "Fjord Bil Bergen" }).waitFor();
    await screenshot(page, "01-login");
    await expectAccessible("login");
  });

  test("a signed-out visit to the inbox goes to the login page", async () => {
    await page.goto(`${server.url}/inbox/`);
    await page.waitForURL(/\/login\/\?next=/);
  });

  test("a sales rep signs in and sees the inbox of her dealership", async () => {
    await signIn(page, server.url, REP);
    await page.getByRole("heading", { name: "Innboks" }).waitFor();
    assert.match(await page.getByTestId("signed-in-as").innerText(), /Sofie Bråten · Selger/);
    await page.getByText("Ingen leads ennå").waitFor();
    await screenshot(page, "02-inbox-empty");
    await expectAccessible("inbox (empty)");
  });

  test("a website lead appears in the open inbox without a reload, marked unread", async () => {
    const key = await formKey(server.url, ADMIN);
    const marker = await page.evaluate(() => (window.__noReload = "still here"));
    await postFormLead(server.url, key, {
      name: "Kari Nordmann",
      email: "kari.nordmann@example.no",
      phone: "912 34 567",
      vehicle_interest: "Toyota bZ4X",
      message: "Hei! Er bZ4X-en på lager, og kan jeg prøvekjøre den på lørdag?",
      consent: true,
    });
    const row = page.getByTestId("lead-row").filter({ hasText: "Kari Nordmann" });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__noReload), marker, "the page was not reloaded");
    assert.equal(await row.getAttribute("data-unread"), "true");
    leadId = await row.getAttribute("data-lead-id");
    assert.match(await row.innerText(), /Toyota bZ4X/);
    await screenshot(page, "03-inbox-new-lead");
    await expectAccessible("inbox");
  });

  test("the lead shows the customer's message and the AI's Norwegian reply", async () => {
    await page.getByTestId("lead-row").filter({ hasText: "Kari Nordmann" }).getByRole("link").click();
    await page.waitForURL(/\/lead\/\?id=/);
    await page.getByTestId("lead-title").filter({ hasText: "Kari Nordmann" }).waitFor();
    const customer = page.locator('[data-testid="message"][data-sender-type="customer"]');
    await customer.first().waitFor();
    assert.match(await customer.first().innerText(), /prøvekjøre den på lørdag/);
    // The reply is written by the workers a moment after capture; the page refreshes the conversation.
    const ai = page.locator('[data-testid="message"][data-sender-type="ai"]');
    await ai.first().waitFor({ timeout: 30_000 });
    assert.match(await ai.first().innerText(), /Kari/);
    assert.equal(await page.getByTestId("call-link").innerText(), "Ring +47 912 34 567");
    assert.equal(await page.getByTestId("call-link").getAttribute("href"), "tel:+4791234567");
    assert.ok((await page.getByTestId("score-explanation").innerText()).length > 10);
    // The cars beside the lead are the ones the API matched, by the AI's rule.
    const token = await tokenFor(server.url, REP);
    const leadId = new URL(page.url()).searchParams.get("id");
    const { body: matching } = await apiAs(server.url, token, "GET", `/api/leads/${leadId}/matching-vehicles`);
    assert.ok(matching.items.length > 0, "the demo stock has a bZ4X");
    const shown = page.getByRole("list", { name: "Biler på lager som passer" }).getByRole("listitem");
    await shown.first().waitFor();
    assert.equal(await shown.count(), matching.items.length);
    for (const car of matching.items) {
      assert.match(await page.getByRole("list", { name: "Biler på lager som passer" }).innerText(), new RegExp(car.model));
    }
    await screenshot(page, "04-lead-detail");
    await expectAccessible("lead detail");
  });

  test("the rep qualifies the lead, adds a note and gives it to a colleague", async () => {
    await page.getByLabel("Status").selectOption("qualified");
    await page.getByLabel("Internt notat").fill("Ringte kunden, vil prøvekjøre lørdag kl. 11.");
    await page.getByRole("button", { name: "Legg til notat" }).click();
    await page.locator('[data-testid="message"][data-channel="note"]').filter({ hasText: "lørdag kl. 11" }).waitFor();
    await page.getByLabel("Tildelt").selectOption({ label: OTHER_REP });
    await page.waitForFunction(() => !document.querySelector("#lead-assignee")?.hasAttribute("disabled"));
    const token = await tokenFor(server.url, REP);
    const { body: lead } = await apiAs(server.url, token, "GET", `/api/leads/${leadId}`);
    assert.equal(lead.status, "qualified");
    const { body: team } = await apiAs(server.url, token, "GET", "/api/users");
    assert.equal(team.items.find((u) => u.id === lead.assigned_to)?.name, OTHER_REP);
    await screenshot(page, "05-lead-worked");
  });

  test("the rep answers by email from an AI draft, and it is sent once", async () => {
    await page.getByRole("button", { name: "Lag AI-utkast" }).click();
    const reply = page.getByLabel("Melding");
    await page.waitForFunction(() => document.querySelector("#reply-text")?.value.length > 20);
    await reply.fill(`${await reply.inputValue()}\n\nPS: Lørdag kl. 11 passer fint.`);
    await page.getByRole("button", { name: "Send e-post" }).click();
    await page.locator('[data-testid="message"][data-sender-type="human"]').filter({ hasText: "Lørdag kl. 11 passer fint" }).waitFor();
    await settle(server);
    const outbox = path.join(server.dataDir, "outbox");
    const sent = readdirSync(outbox)
      .filter((f) => f.endsWith(".eml"))
      .filter((f) => readFileSync(path.join(outbox, f), "utf8").includes("passer fint"));
    assert.equal(sent.length, 1, "the rep's reply is in the outbox exactly once");
  });

  test("a sales rep sees no admin or manager actions, and the API refuses them", async () => {
    await page.goto(`${server.url}/automations/`);
    await page.getByTestId("rule-card").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Ny oppfølging" }).count(), 0);
    assert.equal(await page.getByRole("link", { name: "Innstillinger" }).count(), 0);
    await screenshot(page, "06-automations-rep");
    await expectAccessible("automations (rep)");
    await page.goto(`${server.url}/settings/`);
    await page.getByText("Bare administratorer").waitFor();
    const token = await tokenFor(server.url, REP);
    assert.equal((await apiAs(server.url, token, "GET", "/api/dealership")).status, 403);
    const rule = { name: "x", trigger: { type: "new_lead" }, steps: [{ delay_minutes: 0, action: { type: "set_status", status: "contacted" } }] };
    assert.equal((await apiAs(server.url, token, "POST", "/api/automations", rule)).status, 403);
  });

  test("inventory lists the dealership's cars with the available count", async () => {
    await page.goto(`${server.url}/inventory/`);
    await page.getByTestId("vehicle-row").first().waitFor();
    // The count comes from its own request, which may answer after the list.
    await page.getByText(/biler tilgjengelig for salg/).waitFor();
    assert.match(await page.locator("main").innerText(), /2 biler tilgjengelig for salg/);
    assert.equal(await page.getByRole("button", { name: "Legg til bil" }).count(), 0, "a rep does not add cars");
    await screenshot(page, "07-inventory");
    await expectAccessible("inventory");
  });

  test("analytics shows the new lead once the roll-up has run", async () => {
    await page.goto(`${server.url}/analytics/`);
    await page.getByTestId("analytics").waitFor();
    await page.waitForFunction(() => /Leads\s*1\b/.test(document.querySelector("[data-testid=analytics]")?.innerText ?? ""), null, {
      timeout: 20_000,
      polling: 500,
    }).catch(async () => {
      // Roll-ups run every 2 s in this server; reload to read the fresh one.
      await page.reload();
      await page.waitForFunction(() => /Leads\s*1\b/.test(document.querySelector("[data-testid=analytics]")?.innerText ?? ""));
    });
    await page.getByRole("heading", { name: "Leads per kilde" }).waitFor();
    await screenshot(page, "08-analytics");
    await expectAccessible("analytics");
  });

  test("nothing of the other dealership is visible", async () => {
    const bergenKey = await formKey(server.url, BERGEN_ADMIN);
    await postFormLead(server.url, bergenKey, { name: "Ola Vestland", email: "ola@vestland.no", message: "Hei fra Bergen" });
    const bergenToken = await tokenFor(server.url, BERGEN_ADMIN);
    let bergenLead;
    for (let i = 0; i < 50 && !bergenLead; i++) {
      bergenLead = (await apiAs(server.url, bergenToken, "GET", "/api/leads?search=Vestland")).body.items[0];
      if (!bergenLead) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(bergenLead, "Bergen's lead was captured");
    await page.goto(`${server.url}/inbox/`);
    await page.getByTestId("lead-row").first().waitFor();
    // The inbox polls for changes; wait for its next poll to be answered
    // and drawn, so a leak would be on screen now.
    await page.waitForResponse((r) => r.url().includes("/api/leads") && r.url().includes("updated_since="), { timeout: 15_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.getByText("Ola Vestland").count(), 0);
    await page.getByRole("searchbox", { name: "Søk" }).fill("Vestland");
    await page.getByRole("button", { name: "Søk" }).click();
    await page.getByText("Ingen leads passer filtrene").waitFor();
    await page.goto(`${server.url}/lead/?id=${bergenLead.id}`);
    await page.getByRole("alert").filter({ hasText: "Fant ikke leadet" }).waitFor();
    await page.goto(`${server.url}/inventory/`);
    await page.getByTestId("vehicle-row").first().waitFor();
    const { body: bergenCars } = await apiAs(server.url, bergenToken, "GET", "/api/vehicles?limit=100");
    const shown = await page.locator("main").innerText();
    for (const car of bergenCars.items) {
      const { body: drammenCars } = await apiAs(server.url, await tokenFor(server.url, REP), "GET", "/api/vehicles?limit=100");
      if (!drammenCars.items.some((c) => c.model === car.model)) assert.ok(!shown.includes(car.model), `${car.model} is Bergen's`);
    }
    await screenshot(page, "09-tenancy");
  });

  test("the inbox works on a phone", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "nb-NO" });
    const small = await phone.newPage();
    await signIn(small, server.url, REP);
    await small.getByTestId("lead-row").first().waitFor();
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px too wide)`);
    await screenshot(small, "10-inbox-phone");
    await phone.close();
  });

  test("a manager creates a follow-up rule and dry-runs it on the lead", async () => {
    await page.goto(`${server.url}/login/`);
    await page.evaluate(() => localStorage.clear());
    await signIn(page, server.url, MANAGER);
    await page.goto(`${server.url}/automations/`);
    await page.getByRole("button", { name: "Ny oppfølging" }).click();
    await page.getByLabel("Navn").fill("Påminnelse etter to døgn");
    await page.getByLabel("Timer uten svar").fill("48");
    await page.getByLabel("La AI skrive e-posten").uncheck();
    await page.getByLabel("Emne").fill("{bil} hos {forhandler}");
    await page.getByLabel(/^Tekst/).fill("Hei {fornavn}! Fortsatt interessert i {bil}? Svar på denne e-posten.");
    await page.getByRole("button", { name: "Legg til steg" }).click();
    await screenshot(page, "11-rule-editor");
    await expectAccessible("rule editor");
    await page.getByRole("button", { name: "Lagre" }).click();
    const card = page.getByTestId("rule-card").filter({ hasText: "Påminnelse etter to døgn" });
    await card.waitFor();
    assert.match(await card.innerText(), /48 timer/);
    await card.getByRole("button", { name: "Test på et lead" }).click();
    await page.getByLabel("Lead").selectOption({ index: 1 });
    await page.getByRole("button", { name: "Prøvekjør" }).click();
    const result = page.getByTestId("dry-run-result");
    await result.waitFor();
    assert.match(await result.innerText(), /Emne: Toyota bZ4X hos Bilsenteret Drammen/);
    assert.match(await result.innerText(), /Hei Kari! Fortsatt interessert i Toyota bZ4X\?/);
    assert.equal(await page.getByTestId("dry-run-step").count(), 2);
    await screenshot(page, "12-dry-run");
    await settle(server);
    const outbox = path.join(server.dataDir, "outbox");
    const sent = readdirSync(outbox).filter((f) => readFileSync(path.join(outbox, f), "utf8").includes("Fortsatt interessert"));
    assert.deepEqual(sent, [], "a dry run sends nothing");
  });

  test("an admin sees the settings with the form embed snippet", async () => {
    await page.goto(`${server.url}/login/`);
    await page.evaluate(() => localStorage.clear());
    await signIn(page, server.url, ADMIN);
    await page.getByRole("link", { name: "Innstillinger" }).click();
    await page.getByRole("tab", { name: "Profil" }).waitFor();
    await expectAccessible("settings profile");
    await page.getByRole("tab", { name: "Kanaler" }).click();
    assert.match(await page.getByLabel("Innebyggingskode").inputValue(), /webhooks\/form\//);
    // A Google lead form key: shown once, and a delivery with it is a lead.
    const google = page.getByTestId("google-forms");
    assert.match(await google.getByLabel("Webhook-URL").inputValue(), /\/webhooks\/google\//);
    await google.getByRole("button", { name: "Lag Google-nøkkel" }).click();
    const key = await google.getByLabel("Nøkkel (vises bare nå)").inputValue();
    assert.match(key, /^nv_[0-9a-f]{32}$/);
    const url = await google.getByLabel("Webhook-URL").inputValue();
    const delivered = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lead_id: "e2e-google-1", google_key: key, is_test: true, user_column_data: [
        { column_id: "FULL_NAME", string_value: "Gunnhild Ås" },
        { column_id: "EMAIL", string_value: "gunnhild@example.no" },
      ] }),
    });
    assert.equal(delivered.status, 200);
    // The seeded page's leads' stages go back to Meta; the token is never shown.
    const capi = page.getByTestId("conversions-api");
    await capi.getByLabel("Datasett-ID").fill("880011223344556");
    await capi.getByLabel("Conversions API-token").fill("EAAD-e2e-token");
    await capi.getByRole("button", { name: "Send lead-steg" }).click();
    await page.getByText("Sender lead-steg til Meta").waitFor();
    await screenshot(page, "13-settings-channels");
    await expectAccessible("settings channels");
    await page.reload();
    await page.getByRole("tab", { name: "Kanaler" }).click();
    await page.getByTestId("google-forms").getByText("En nøkkel er laget").waitFor();
    await page.getByText("Sender lead-steg til Meta").waitFor();
    assert.equal(await page.getByLabel("Conversions API-token").inputValue(), "");
    assert.equal(await page.getByTestId("google-forms").getByLabel("Nøkkel (vises bare nå)").count(), 0);
    await page.getByRole("tab", { name: "Team" }).click();
    await page.getByRole("table", { name: "Team" }).getByText(REP).waitFor();
    await screenshot(page, "14-settings-team");
    await expectAccessible("settings team");
    await page.getByRole("tab", { name: "Åpningstider" }).click();
    await page.getByLabel("Mandag åpner").waitFor();
    await expectAccessible("settings hours");
    await page.getByRole("tab", { name: "Logg" }).click();
    await page.getByRole("heading", { name: "Logg" }).waitFor();
    await expectAccessible("settings audit");
  });

  test("an admin sends the dealership's events to its own system and sends one again", async () => {
    // The dealership's own system: takes every request and answers 200.
    const received = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ id: req.headers["webhook-id"], signature: req.headers["webhook-signature"], event: JSON.parse(body) });
        res.writeHead(200).end();
      });
    });
    await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      await page.getByRole("tab", { name: "Integrasjoner" }).click();
      const panel = page.getByTestId("webhooks");
      await panel.getByLabel("Mottakerens URL (https)").fill(`http://127.0.0.1:${receiver.address().port}/norvalt`);
      await panel.getByRole("button", { name: "Legg til mottaker" }).click();
      const secret = await panel.getByLabel("Signeringsnøkkel (vises bare nå)").inputValue();
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const adf = page.getByTestId("adf");
      await adf.getByLabel("Importadresse (e-post)").fill("leads@dms.bilsenteret-drammen.no");
      await adf.getByRole("button", { name: "Lagre" }).click();
      await adf.getByText("Lagret.").waitFor();
      const feed = page.getByTestId("inventory-feed");
      await feed.getByLabel("Adresse (URL)").fill("https://www.bilsenteret-drammen.no/lager.csv");
      await feed.getByLabel("Lagernummer").fill("Internnr");
      await feed.getByRole("button", { name: "Lagre" }).click();
      await feed.getByText("Lagret.").waitFor();
      const saved = await apiAs(server.url, await tokenFor(server.url, ADMIN), "GET", "/api/dealership");
      assert.deepEqual(saved.body.dealership.inventory_feed, {
        url: "https://www.bilsenteret-drammen.no/lager.csv",
        format: null,
        mapping: { stock_number: "Internnr" },
      });
      await expectAccessible("settings integrations");
      // No feed again: the manager's upload below uses the common names.
      await feed.getByLabel("Adresse (URL)").fill("");
      await feed.getByLabel("Lagernummer").fill("");
      await feed.getByRole("button", { name: "Lagre" }).click();
      await feed.getByText("Lagret.").waitFor();
      const cleared = await apiAs(server.url, await tokenFor(server.url, ADMIN), "GET", "/api/dealership");
      assert.equal(cleared.body.dealership.inventory_feed, null);
      await screenshot(page, "13b-settings-integrations");

      await postFormLead(server.url, await formKey(server.url, ADMIN), {
        name: "Webhook Wenche", email: "wenche@example.no", message: "Har dere en brukt Yaris?", consent: true,
      });
      const deadline = Date.now() + 20_000;
      while (!received.some((r) => r.event.type === "lead.created" && r.event.data.customer_name === "Webhook Wenche")) {
        assert.ok(Date.now() < deadline, `no lead.created arrived: ${JSON.stringify(received.map((r) => r.event.type))}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const first = received.find((r) => r.event.data.customer_name === "Webhook Wenche");
      // The same lead went to the dealer system as ADF, once.
      await settle(server);
      const outbox = path.join(server.dataDir, "outbox");
      const adfMails = readdirSync(outbox).filter((f) => {
        const raw = readFileSync(path.join(outbox, f), "utf8");
        return raw.includes("leads@dms.bilsenteret-drammen.no") && raw.includes("Subject: ADF-lead: Webhook Wenche");
      });
      assert.equal(adfMails.length, 1, `ADF mails: ${adfMails}`);
      assert.match(first.signature, /^v1,[A-Za-z0-9+/]{43}=$/);

      await panel.getByRole("button", { name: "Leveranser" }).click();
      const log = panel.getByRole("table", { name: /Leveranser til/ });
      await log.getByText("Levert").first().waitFor();
      await expectAccessible("webhook delivery log");
      const before = received.length;
      await log.getByRole("button", { name: "Send på nytt" }).first().click();
      await log.getByText("Venter").first().waitFor();
      while (received.length === before) {
        assert.ok(Date.now() < deadline + 10_000, "the delivery was not sent again");
        await new Promise((r) => setTimeout(r, 200));
      }
      const again = received[received.length - 1];
      assert.ok(received.slice(0, before).some((r) => r.id === again.id), "sent again with its webhook-id");
    } finally {
      receiver.close();
    }
  });

  test("an admin changes the opening hours and sees the change in the audit log", async () => {
    await page.getByRole("tab", { name: "Åpningstider" }).click();
    await page.getByLabel("Lørdag stenger").fill("14:00");
    await page.getByRole("button", { name: "Lagre" }).click();
    await page.getByText("Lagret.").waitFor();
    const token = await tokenFor(server.url, ADMIN);
    const { body } = await apiAs(server.url, token, "GET", "/api/dealership");
    assert.match(body.dealership.opening_hours.find((s) => s.day === "saturday")?.closes, /^14:00/);
    assert.match(body.dealership.opening_hours.find((s) => s.day === "monday")?.opens, /^09:00/, "the other days are kept");
    await page.getByRole("tab", { name: "Logg" }).click();
    await page.getByRole("list", { name: "Logg" }).getByText("Innstillinger endret").first().waitFor();
    await screenshot(page, "15-settings-audit");
  });

  test("an unknown page says so and links back to the inbox", async () => {
    await page.goto(`${server.url}/finnes-ikke/`);
    await page.getByRole("heading", { name: "Fant ikke siden" }).waitFor();
    await expectAccessible("not found");
  });

  test("what capture set aside is shown to the rep, never lost or applied", async () => {
    const key = await formKey(server.url, ADMIN);
    // A lead with a bad email beside a good phone (a mobile that begins with 47).
    await postFormLead(server.url, key, { name: "Ola Feilskriving", email: "ola@", phone: "47 65 43 21" });
    // A repeat inquiry of Kari (her phone) with an address she never gave us.
    await postFormLead(server.url, key, { name: "Kari Nordmann", phone: "912 34 567", email: "ny.adresse@example.no", message: "Send svaret hit" });
    const token = await tokenFor(server.url, REP);
    let ola;
    for (let i = 0; i < 50 && !ola; i++) {
      const { body } = await apiAs(server.url, token, "GET", "/api/leads?search=Feilskriving");
      ola = body.items?.[0];
      if (!ola) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(ola, "the lead with a bad email was kept");
    await signIn(page, server.url, REP);
    await page.goto(`${server.url}/lead/?id=${ola.id}`);
    await page.getByTestId("lead-title").filter({ hasText: "Ola Feilskriving" }).waitFor();
    assert.equal(await page.getByTestId("unparsed").innerText(), "ola@");
    assert.equal(await page.getByTestId("call-link").innerText(), "Ring +47 476 54 321");
    await page.goto(`${server.url}/lead/?id=${leadId}`);
    const offered = page.getByTestId("new-contact");
    await offered.waitFor({ timeout: 10_000 });
    assert.match(await offered.innerText(), /ny\.adresse@example\.no/);
    // Offered, never applied: the customer card still mails Kari's own address.
    assert.equal(await page.locator('a[href="mailto:ny.adresse@example.no"]').count(), 0);
    assert.equal(await page.locator('a[href="mailto:kari.nordmann@example.no"]').count(), 1);
    await screenshot(page, "16-lead-set-aside");
    await expectAccessible("lead with details set aside");
  });

  test("a manager imports the stock list and sees what was left out and why", async () => {
    await signIn(page, server.url, MANAGER);
    await page.getByRole("link", { name: "Lager" }).click();
    const form = page.getByTestId("feed-import");
    await form.getByLabel("Fil (CSV eller XML, maks 5 MB)").setInputFiles({
      name: "lager.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        "Merke;Modell;Årsmodell;Pris;Km;Drivstoff;Lagernummer\n" +
          "Toyota;Corolla Touring Sports;2022;289 900;41 000;Hybrid;E2E-1\n" +
          "Peugeot;e-2008;2023;329 000;9 000;Elektrisk;E2E-2\n" +
          "Ford;;2020;;;;E2E-3\n",
      ),
    });
    await form.getByRole("button", { name: "Importer" }).click();
    const summary = page.getByTestId("import-summary");
    await summary.waitFor();
    assert.match(await summary.innerText(), /2 lagt til, 0 oppdatert, 0 uendret, 0 merket som solgt\. 1 rader ble ikke importert/);
    await page.getByRole("table", { name: "Rader med feil" }).getByText("Ikke importert: mangler modell").waitFor();
    await page.getByTestId("vehicle-row").filter({ hasText: "Peugeot e-2008" }).waitFor();
    await expectAccessible("inventory import");
    await screenshot(page, "16b-inventory-import");
  });

  test("a manager downloads the month's leads as CSV for Excel", async () => {
    await page.getByRole("link", { name: "Innboks" }).click();
    await page.getByRole("button", { name: "Eksporter" }).click();
    const dialog = page.getByRole("dialog", { name: "Eksporter leads" });
    await dialog.getByLabel("Ta med samtalene").check();
    await expectAccessible("export dialog");
    const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("button", { name: "Last ned" }).click()]);
    const text = readFileSync(await download.path(), "utf8");
    assert.ok(text.startsWith("\uFEFFid;opprettet;kilde;status;navn"), text.slice(0, 80));
    assert.match(text, /Kari Nordmann/);
    assert.match(text.split("\n")[0], /;samtale\r?$/);
  });

  test("a starter dealership's admin is told in Norwegian that SMS needs another plan", async () => {
    // The operator puts Bergen on Starter.
    await norvalt(server.dataDir, ["dealership", "configure", "fjord-bil-bergen", "--tier", "starter", "--status", "active"]);
    await signIn(page, server.url, BERGEN_ADMIN);
    await page.getByRole("link", { name: "Innstillinger" }).click();
    await page.getByRole("tab", { name: "Kanaler" }).click();
    await page.getByLabel("Svar leads som bare har telefon med SMS").click();
    await page.getByRole("button", { name: "Lagre" }).first().click();
    const alert = page.getByRole("alert").filter({ hasText: "SMS er med i Professional-abonnementet" });
    await alert.waitFor();
    await expectAccessible("settings refused by the plan");
    await screenshot(page, "17-plan-upgrade-required");
  });
});
