import { describe, expect, it } from "vitest";

import { apiQuery, bulkFilter, DEFAULT_VIEWS, isView, NO_FILTERS, parseView, viewQuery } from "@/lib/inbox-view";
import { floorEvents, preview } from "@/lib/notifications";
import { fillFields, searchReplies, unfilledFields } from "@/lib/reply-fields";
import { moveSelection, shortcutFor } from "@/lib/shortcuts";
import type { Lead } from "@/lib/types";

describe("inbox views in the URL", () => {
  it("round-trips every filter through the query string", () => {
    const f = { ...NO_FILTERS, status: "new", assigned: "me", tag: "t1", overdue: true, needsHuman: true, q: "Tesla Model Y øst", sort: "oldest" as const, from: "2026-12-01", to: "2026-12-05" };
    const q = viewQuery(f);
    expect(parseView(q)).toEqual(f);
    expect(parseView(`?${q}`)).toEqual(f);
    expect(q).toContain("q=Tesla+Model+Y+%C3%B8st");
  });

  it("leaves defaults out and ignores what it does not know", () => {
    expect(viewQuery(NO_FILTERS)).toBe("");
    expect(parseView("dealership_id=x&from=not-a-day&sort=sideways&overdue=yes")).toEqual(NO_FILTERS);
  });

  it("has the five default views, each recognised from its filters", () => {
    expect(DEFAULT_VIEWS.map((v) => v.name)).toEqual(["Mine", "Ikke tildelt", "Trenger menneske", "Forfalt", "Nye i dag"]);
    for (const v of DEFAULT_VIEWS) {
      expect(isView(v, parseView(v.query))).toBe(true);
      expect(isView(v, NO_FILTERS)).toBe(false);
    }
    // Key order does not matter.
    expect(isView({ id: "x", name: "x", query: "sort=oldest&overdue=1" }, parseView("overdue=1&sort=oldest"))).toBe(true);
  });

  it("asks the API for what each view means", () => {
    const now = new Date("2026-07-01T21:30:00Z"); // 23:30 in Oslo (CEST)
    expect(apiQuery(parseView("assigned=me"), "u1", now)).toMatchObject({ assigned_to: "u1", unassigned: undefined });
    expect(apiQuery(parseView("assigned=none"), "u1", now)).toMatchObject({ assigned_to: undefined, unassigned: "true" });
    expect(apiQuery(parseView("overdue=1&sort=oldest"), "u1", now)).toMatchObject({ overdue: "true", sort: "oldest" });
    // "Nye i dag" is the Oslo day, not the UTC one.
    expect(apiQuery(parseView("status=new&today=1"), "u1", now)).toMatchObject({
      status: "new",
      created_after: "2026-06-30T22:00:00.000Z",
      created_before: "2026-07-01T22:00:00.000Z",
    });
    // Winter: Oslo is UTC+1.
    expect(apiQuery(parseView("from=2026-12-05&to=2026-12-05"), undefined, now)).toMatchObject({
      created_after: "2026-12-04T23:00:00.000Z",
      created_before: "2026-12-05T23:00:00.000Z",
    });
  });

  it("turns the filters into a bulk filter with booleans and no sort", () => {
    expect(bulkFilter(parseView("assigned=none&overdue=1&sort=oldest&q=golf"), "u1")).toEqual({ unassigned: true, overdue: true, search: "golf" });
    expect(bulkFilter(NO_FILTERS, "u1")).toEqual({});
  });
});

describe("canned reply fields", () => {
  const values = { fornavn: "Åse", bil: "Škoda Enyaq", forhandler: "Bilsenteret Drammen", selger: "Magnus Løvås", åpningstider: "mandag–fredag 09:00–17:00", bookinglenke: null };

  it("fills every field with a value and names the rest", () => {
    const { text, missing } = fillFields("Hei {fornavn}! {bil} står klar hos {forhandler}. Book her: {bookinglenke} Hilsen {selger} ({åpningstider})", values);
    expect(text).toBe("Hei Åse! Škoda Enyaq står klar hos Bilsenteret Drammen. Book her: {bookinglenke} Hilsen Magnus Løvås (mandag–fredag 09:00–17:00)");
    expect(missing).toEqual(["bookinglenke"]);
  });

  it("treats an empty or blank value as missing, never as filled", () => {
    expect(fillFields("Hei {fornavn}", { fornavn: "  " }).missing).toEqual(["fornavn"]);
    expect(fillFields("Hei {fornavn}", {}).text).toBe("Hei {fornavn}");
  });

  it("leaves braces that are no field alone", () => {
    expect(unfilledFields("Pris {ca. 300 000} kr, {ukjent} og {fornavn} {fornavn}")).toEqual(["fornavn"]);
    expect(fillFields("{ukjent}", { ukjent: "x" }).text).toBe("{ukjent}");
  });

  it("searches titles and texts by every word, in Norwegian", () => {
    const replies = [
      { id: "1", title: "Prøvekjøring", body: "Velkommen til prøvekjøring" },
      { id: "2", title: "Innbytte", body: "Vi vurderer bilen din" },
    ];
    expect(searchReplies(replies, "PRØVE").map((r) => r.id)).toEqual(["1"]);
    expect(searchReplies(replies, "bilen vurderer").map((r) => r.id)).toEqual(["2"]);
    expect(searchReplies(replies, "").length).toBe(2);
  });
});

describe("keyboard shortcuts", () => {
  const key = (k: string, target: unknown = null, mods: Partial<KeyboardEvent> = {}) =>
    shortcutFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: target as EventTarget, ...mods });
  const field = (tag: string) => ({ closest: (sel: string) => (sel.includes(tag) ? {} : null), isContentEditable: false });

  it("maps the inbox's keys", () => {
    expect(["j", "k", "Enter", "r", "a", "s", "/", "?"].map((k) => key(k))).toEqual([
      "next",
      "previous",
      "open",
      "reply",
      "assign-me",
      "status",
      "search",
      "help",
    ]);
    expect(key("x")).toBeNull();
  });

  it("never fires while typing or with a modifier", () => {
    for (const tag of ["input", "textarea", "select"]) expect(key("j", field(tag))).toBeNull();
    expect(key("j", { closest: () => null, isContentEditable: true })).toBeNull();
    expect(key("r", null, { ctrlKey: true })).toBeNull();
    expect(key("a", null, { metaKey: true })).toBeNull();
  });

  it("moves within the list and stops at its ends", () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
    expect(moveSelection(2, 1, 3)).toBe(2);
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(0, 1, 0)).toBe(-1);
  });
});

describe("browser notifications", () => {
  const opened = new Date("2026-12-05T10:00:00Z");
  const lead = (patch: Partial<Lead>): Lead =>
    ({
      id: "l1",
      customer_name: "Kari Nordmann",
      vehicle_interest: "Toyota bZ4X",
      assigned_to: null,
      updated_at: "2026-12-05T10:05:00Z",
      customer_replied_at: null,
      deleted_at: null,
      overdue_at: null,
      ...patch,
    }) as Lead;

  it("tells me of a lead newly mine, once per change", () => {
    const events = floorEvents(lead({}), lead({ assigned_to: "me" }), "me", opened);
    expect(events.map((e) => e.title)).toEqual(["Nytt lead til deg: Kari Nordmann"]);
    expect(events[0].body).toBe("Toyota bZ4X");
    expect(floorEvents(lead({ assigned_to: "me" }), lead({ assigned_to: "me" }), "me", opened)).toEqual([]);
    expect(floorEvents(undefined, lead({ assigned_to: "other" }), "me", opened)).toEqual([]);
  });

  it("tells me of a reply and of an escalation on my lead", () => {
    const before = lead({ assigned_to: "me" });
    const after = lead({ assigned_to: "me", customer_replied_at: "2026-12-05T10:04:00Z", overdue_at: "2026-12-05T10:03:00Z" });
    expect(floorEvents(before, after, "me", opened).map((e) => e.key)).toEqual([
      "reply:l1:2026-12-05T10:04:00Z",
      "escalation:l1:2026-12-05T10:03:00Z",
    ]);
  });

  it("says nothing of what happened before the page opened", () => {
    const old = lead({ assigned_to: "me", updated_at: "2026-12-05T09:00:00Z", customer_replied_at: "2026-12-05T08:59:00Z" });
    expect(floorEvents(undefined, old, "me", opened)).toEqual([]);
    expect(floorEvents(undefined, lead({ assigned_to: "me", deleted_at: "2026-12-05T10:05:00Z" }), "me", opened)).toEqual([]);
  });

  it("previews on one short line", () => {
    expect(preview("Hei!\n\nJeg  vil gjerne")).toBe("Hei! Jeg vil gjerne");
    expect(preview("x".repeat(100), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
