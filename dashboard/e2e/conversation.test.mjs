// The AI carrying the conversation, in headless Chromium against the local
// server with a mock Claude: customers answer the first reply by email; a
// price question lands in "Trenger menneske", where a rep reads the
// summary and gives the lead back to the AI; a test-drive question becomes
// a draft the rep sends with one click; and the customer books a time on
// the booking page on a phone. axe-checked throughout.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
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
const ADMIN = "Ingrid Haugen";
const LINK_KEY = "e2e-link-key-0123456789abcdef";

/** Claude's stand-in: checks that a turn asks for the tool, and answers as the customer's words call for. */
function mockClaude() {
  const turns = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      const body = JSON.parse(raw);
      const prompt = body.messages?.[0]?.content ?? "";
      let answer;
      if (body.tools) {
        turns.push(body);
        const input = prompt.includes("beste pris")
          ? {
              reply: "",
              intent: "price",
              needs_human: true,
              handover_reason: "Kunden vil forhandle om prisen",
              summary: "Kunden vil kjøpe bZ4X og spør om beste pris. Ingenting er lovet. Åpent: pris.",
            }
          : { reply: "Hei Ola! Ja, den står klar for prøvekjøring.", intent: "test_drive", needs_human: false };
        answer = {
          model: "claude-e2e",
          stop_reason: "tool_use",
          content: [{ type: "tool_use", id: "toolu_e2e", name: body.tools[0].name, input }],
          usage: { input_tokens: 900, output_tokens: 60 },
        };
      } else {
        answer = {
          model: "claude-e2e",
          stop_reason: "end_turn",
          content: [
            {
              type: "text",
              text: "Hei! Takk for at du tok kontakt med Bilsenteret Drammen om Toyota bZ4X. Vil du komme innom på en prøvetur?",
            },
          ],
          usage: { input_tokens: 700, output_tokens: 50 },
        };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, turns, server })),
  );
}

let server;
let claude;
let browser;
let page;
const leads = {};

async function expectAccessible(on, name) {
  const violations = await seriousViolations(on);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
}

function outboxFiles() {
  const outbox = path.join(server.dataDir, "outbox");
  return readdirSync(outbox)
    .filter((f) => f.endsWith(".eml"))
    .map((f) => readFileSync(path.join(outbox, f), "utf8"));
}

/** The customer answers our first reply, as SES or IMAP would deliver it. */
async function customerAnswers(email, text) {
  // Our reply to the customer (not the team's notice, which names them too).
  const first = outboxFiles().find((m) => new RegExp(`^To:[^\\n]*${email.replace(/\./g, "\\.")}`, "im").test(m));
  assert.ok(first, `a first reply to ${email}`);
  const replyTo = first.match(/^Reply-To:\s*<?([^>\s]+)>?/im)[1];
  const dir = mkdtempSync(path.join(tmpdir(), "norvalt-mail-"));
  const file = path.join(dir, "reply.eml");
  writeFileSync(
    file,
    [
      `From: Kunde <${email}>`,
      `To: <${replyTo}>`,
      "Subject: Re: Toyota bZ4X",
      `Message-ID: <${Date.now()}.${Math.random()}@example.no>`,
      `Date: ${new Date().toUTCString()}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      "",
    ].join("\r\n"),
  );
  await norvalt(server.dataDir, ["ingest-email", file], { NORVALT_LINK_KEY: LINK_KEY });
  await settle(server);
}

async function leadByEmail(token, email) {
  const { body } = await apiAs(server.url, token, "GET", `/api/leads?search=${encodeURIComponent(email)}`);
  return body.items[0];
}

describe("the AI's conversation in the dashboard", { timeout: 240_000 }, () => {
  before(async () => {
    claude = await mockClaude();
    server = await startServer({
      env: {
        ANTHROPIC_BASE_URL: claude.url,
        ANTHROPIC_API_KEY: "e2e-key",
        NORVALT_ANALYSIS_DELAY_SECS: "0",
        NORVALT_LINK_KEY: LINK_KEY,
      },
    });
    // Draft mode (the default), answering at once rather than after 30 s.
    const admin = await tokenFor(server.url, ADMIN);
    const { status } = await apiAs(server.url, admin, "PATCH", "/api/dealership", {
      conversation: { mode: "draft", debounce_secs: 0 },
    });
    assert.equal(status, 200);
    const key = await formKey(server.url, ADMIN);
    for (const [name, email] of [
      ["Kari Pris", "kari.pris@example.no"],
      ["Ola Prøvetur", "ola.provetur@example.no"],
    ]) {
      await postFormLead(server.url, key, { name, email, vehicle_interest: "Toyota bZ4X", message: "Hei, er den ledig?", consent: true });
    }
    await settle(server);
    await customerAnswers("kari.pris@example.no", "Hva er beste pris dere kan gi?");
    await customerAnswers("ola.provetur@example.no", "Kan jeg prøvekjøre den?");
    const rep = await tokenFor(server.url, REP);
    leads.price = await leadByEmail(rep, "kari.pris@example.no");
    leads.drive = await leadByEmail(rep, "ola.provetur@example.no");
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "nb-NO", timezoneId: "Europe/Oslo" });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    claude?.server.close();
  });

  test("each customer answer was one structured turn", () => {
    assert.equal(claude.turns.length, 2);
    for (const turn of claude.turns) {
      assert.deepEqual(turn.tool_choice, { type: "tool", name: "answer_customer" });
    }
    assert.equal(leads.price.handover?.reason, "price");
    assert.ok(leads.drive.ai_draft?.text.includes("prøvekjøring"), JSON.stringify(leads.drive));
  });

  test("a rep works the 'Trenger menneske' view and gives the lead back to the AI", async () => {
    await signIn(page, server.url, REP);
    const view = page.getByTestId("view-needs-human");
    await view.getByTestId("view-count-needs-human").filter({ hasText: "1" }).waitFor();
    await view.click();
    const rows = page.getByTestId("lead-row");
    await rows.filter({ hasText: "Kari Pris" }).waitFor();
    assert.equal(await rows.count(), 1, "only the lead that needs a person");
    await screenshot(page, "30-needs-human");
    await expectAccessible(page, "needs-human view");
    await rows.first().click();
    await page.getByTestId("handover-reason").filter({ hasText: "Pris eller tilbud" }).waitFor();
    const summary = await page.getByTestId("handover-summary").innerText();
    assert.match(summary, /beste pris/);
    await screenshot(page, "31-handover");
    await expectAccessible(page, "lead with a handover");
    await page.getByRole("button", { name: "Gi tilbake til AI" }).click();
    await page.getByTestId("handover").waitFor({ state: "detached" });
    const rep = await tokenFor(server.url, REP);
    const { body } = await apiAs(server.url, rep, "GET", `/api/leads/${leads.price.id}`);
    assert.equal(body.handover, null);
    assert.ok(body.handed_back?.at);
  });

  test("a rep sends the AI's draft with one click, and it goes out once", async () => {
    await page.goto(`${server.url}/lead/?id=${leads.drive.id}`);
    const draft = page.getByTestId("ai-draft");
    await draft.waitFor();
    // The customer answered and no person has: the reply clock runs.
    await page.getByTestId("response-clock").filter({ hasText: "Svar til kunden" }).waitFor();
    await screenshot(page, "32-draft");
    await expectAccessible(page, "lead with a draft");
    await draft.getByRole("button", { name: "Send utkast" }).click();
    await draft.waitFor({ state: "detached" });
    await page.locator('[data-testid="message"][data-sender-type="ai"]').filter({ hasText: "står klar for prøvekjøring" }).waitFor();
    // "Hvorfor?" shows what the AI read.
    const why = page.getByTestId("why").last();
    await why.locator("summary").click();
    await why.getByText("vil prøvekjøre eller se bilen").waitFor();
    await settle(server);
    // The sent message keeps the draft's id: its send key names it.
    const sent = outboxFiles().filter((m) => m.includes(`X-Norvalt-Send-Key: send:${leads.drive.ai_draft.id}`));
    assert.equal(sent.length, 1, "the draft is sent exactly once");
  });

  test("the customer books a test drive on the booking page on a phone", async () => {
    const link = leads.drive.ai_draft.text.match(/https?:\/\/\S+\/book\/[\w.-]+/)[0];
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: "nb-NO",
      timezoneId: "Europe/Oslo",
      javaScriptEnabled: false,
    });
    const customer = await phone.newPage();
    await customer.goto(link);
    await customer.getByRole("heading", { name: "Prøvekjøring hos Bilsenteret Drammen" }).waitFor();
    await screenshot(customer, "33-booking-page-phone");
    await expectAccessibleWithScript(link, "booking page");
    const first = customer.locator("button[data-start]").first();
    const start = await first.getAttribute("data-start");
    await first.click();
    await customer.getByRole("heading", { name: "Du er booket!" }).waitFor();
    await screenshot(customer, "34-booked-phone");
    await settle(server);
    const rep = await tokenFor(server.url, REP);
    const { body } = await apiAs(server.url, rep, "GET", `/api/leads/${leads.drive.id}/appointments`);
    assert.equal(body.items.length, 1);
    assert.equal(Date.parse(body.items[0].start), Date.parse(start));
    assert.equal(body.items[0].booked_by, "customer");
    const confirmations = outboxFiles().filter((m) => m.includes("ola.provetur@example.no") && m.includes("text/calendar"));
    assert.equal(confirmations.length, 1, "one confirmation with the .ics");
    await phone.close();
  });

  test("an admin lets the AI answer by itself, in the settings", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "nb-NO" });
    const admin = await context.newPage();
    await signIn(admin, server.url, ADMIN);
    await admin.goto(`${server.url}/settings/`);
    await admin.getByRole("tab", { name: "AI og booking" }).click();
    await admin.getByRole("radio", { name: /AI svarer selv/ }).check();
    await admin.getByRole("button", { name: "Lagre" }).click();
    await admin.getByText("Lagret.").waitFor();
    await screenshot(admin, "35-ai-settings");
    await expectAccessible(admin, "AI settings");
    const token = await tokenFor(server.url, ADMIN);
    const { body } = await apiAs(server.url, token, "GET", "/api/dealership");
    assert.equal(body.dealership.conversation.mode, "auto");
    assert.equal(body.dealership.conversation.debounce_secs, 0, "the rest is kept");
    await context.close();
  });
});

/** axe needs JavaScript: the same page once more in a context that runs it. */
async function expectAccessibleWithScript(url, name) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "nb-NO" });
  const checked = await context.newPage();
  await checked.goto(url);
  await expectAccessible(checked, name);
  await context.close();
}
