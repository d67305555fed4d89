import { describe, expect, it } from "vitest";

import {
  formatDateTime,
  formatDuration,
  formatNok,
  formatPercent,
  formatRelative,
  addDays,
  mondayOf,
  offsetMinutes,
  osloDay,
  osloInstant,
  osloMidnight,
} from "@/lib/format";
import { formatPhone, phoneHref } from "@/lib/phone";

// Intl may use a narrow no-break space between groups; compare on plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("Oslo time", () => {
  it("shows an instant in Oslo's winter time whatever the machine's zone", () => {
    expect(plain(formatDateTime("2026-11-26T08:05:00Z"))).toBe("26. nov. 2026, 09:05");
  });

  it("shows summer time as UTC+2", () => {
    expect(plain(formatDateTime("2026-07-01T10:00:00Z"))).toBe("1. juli 2026, 12:00");
  });

  it("puts 23:30 UTC on New Year's Eve on the next Oslo day", () => {
    expect(osloDay("2026-12-31T23:30:00Z")).toBe("2027-01-01");
  });

  it("knows the offset on both sides of the autumn change", () => {
    expect(offsetMinutes(new Date("2026-10-25T00:59:00Z"))).toBe(120);
    expect(offsetMinutes(new Date("2026-10-25T01:00:00Z"))).toBe(60);
  });

  it("finds Oslo midnight in winter, in summer and on the change days", () => {
    expect(osloMidnight("2026-11-26").toISOString()).toBe("2026-11-25T23:00:00.000Z");
    expect(osloMidnight("2026-07-01").toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(osloMidnight("2026-03-29").toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(osloMidnight("2026-10-25").toISOString()).toBe("2026-10-24T22:00:00.000Z");
  });
});

describe("booking times", () => {
  it("turns an Oslo wall-clock time into the right instant in winter and summer", () => {
    expect(osloInstant("2026-12-10", "17:00").toISOString()).toBe("2026-12-10T16:00:00.000Z");
    expect(osloInstant("2027-06-10", "17:00").toISOString()).toBe("2027-06-10T15:00:00.000Z");
  });

  it("is right on the day the clocks change", () => {
    // 28 March 2027: 02:00 becomes 03:00; the afternoon is summer time.
    expect(osloInstant("2027-03-28", "17:00").toISOString()).toBe("2027-03-28T15:00:00.000Z");
    // 31 October 2027: back to winter time by the afternoon.
    expect(osloInstant("2027-10-31", "17:00").toISOString()).toBe("2027-10-31T16:00:00.000Z");
  });

  it("finds the Monday of a week and steps across months", () => {
    expect(mondayOf("2026-12-10")).toBe("2026-12-07");
    expect(mondayOf("2026-12-07")).toBe("2026-12-07");
    expect(mondayOf("2026-12-13")).toBe("2026-12-07");
    expect(mondayOf("2027-01-01")).toBe("2026-12-28");
    expect(addDays("2026-12-28", 7)).toBe("2027-01-04");
    expect(addDays("2027-03-27", 1)).toBe("2027-03-28");
  });
});

describe("relative times", () => {
  const now = new Date("2026-11-26T12:00:00Z");

  it("says just now within the first minute", () => {
    expect(formatRelative("2026-11-26T11:59:30Z", now)).toBe("akkurat nå");
  });

  it("counts minutes and hours in Norwegian", () => {
    expect(formatRelative("2026-11-26T11:57:00Z", now)).toBe("for 3 minutter siden");
    expect(formatRelative("2026-11-26T09:00:00Z", now)).toBe("for 3 timer siden");
  });

  it("says yesterday by Oslo's calendar, not by 24 hours", () => {
    // 23:50 Oslo the evening before, 12 h 10 min earlier.
    expect(formatRelative("2026-11-25T22:50:00Z", new Date("2026-11-26T11:00:00Z"))).toBe("for 12 timer siden");
    // 07:00 Oslo the day before, 29 hours earlier.
    expect(formatRelative("2026-11-25T06:00:00Z", new Date("2026-11-26T11:00:00Z"))).toBe("i går");
    expect(formatRelative("2026-11-24T22:50:00Z", new Date("2026-11-26T11:00:00Z"))).toBe("i forgårs");
  });

  it("falls back to the date after a week", () => {
    expect(plain(formatRelative("2026-11-01T12:00:00Z", now))).toBe("1. nov. 2026");
  });
});

describe("+47 phone numbers", () => {
  it("groups mobiles 3-2-3", () => {
    expect(formatPhone("+4791234567")).toBe("+47 912 34 567");
    expect(formatPhone("91234567")).toBe("+47 912 34 567");
    expect(formatPhone("0047 412 34 567")).toBe("+47 412 34 567");
    expect(formatPhone("+4747654321")).toBe("+47 476 54 321");
    expect(formatPhone("+4759440000")).toBe("+47 594 40 000");
  });

  it("groups landlines in pairs", () => {
    expect(formatPhone("+4732210000")).toBe("+47 32 21 00 00");
  });

  it("keeps foreign numbers international", () => {
    expect(formatPhone("+46701234567")).toBe("+46 70 123 45 67");
  });

  it("leaves what is not a number alone", () => {
    expect(formatPhone("ring meg")).toBe("ring meg");
    expect(formatPhone(null)).toBe("");
  });

  it("links to E.164", () => {
    expect(phoneHref("912 34 567")).toBe("tel:+4791234567");
  });
});

describe("numbers", () => {
  it("formats money, shares and durations the Norwegian way", () => {
    expect(plain(formatNok(449900))).toBe("449 900 kr");
    expect(plain(formatPercent(0.4))).toBe("40 %");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(180)).toBe("3 min");
    expect(formatDuration(7500)).toBe("2 t 5 min");
    expect(formatDuration(null)).toBe("–");
  });
});
