// How the dashboard shows times and numbers: Norwegian (bokmål), always in
// Europe/Oslo whatever the browser's zone is. Phone numbers: `phone.ts`.

export const OSLO = "Europe/Oslo";
const LOCALE = "nb-NO";

const dateTime = new Intl.DateTimeFormat(LOCALE, {
  timeZone: OSLO,
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const dateOnly = new Intl.DateTimeFormat(LOCALE, {
  timeZone: OSLO,
  day: "numeric",
  month: "short",
  year: "numeric",
});
const timeOnly = new Intl.DateTimeFormat(LOCALE, { timeZone: OSLO, hour: "2-digit", minute: "2-digit" });
const isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: OSLO, year: "numeric", month: "2-digit", day: "2-digit" });

function toDate(value: string | Date): Date {
  return typeof value === "string" ? new Date(value) : value;
}

/** `26. nov. 2026, 09:05` in Oslo time. */
export function formatDateTime(value: string | Date): string {
  return dateTime.format(toDate(value));
}

/** `26. nov. 2026`. */
export function formatDate(value: string | Date): string {
  return dateOnly.format(toDate(value));
}

/** `09:05`. */
export function formatTime(value: string | Date): string {
  return timeOnly.format(toDate(value));
}

/** The Oslo calendar day of an instant as `YYYY-MM-DD`. */
export function osloDay(value: string | Date): string {
  return isoDay.format(toDate(value));
}

/**
 * The UTC instant of Oslo midnight starting `day` (`YYYY-MM-DD`): what a
 * date filter sends to the API. Handles both CET and CEST.
 */
export function osloMidnight(day: string): Date {
  return osloInstant(day, "00:00");
}

/**
 * The UTC instant of Oslo wall-clock `time` (`HH:MM`) on `day`: what a
 * booking form sends. Correct on either side of a DST change.
 */
export function osloInstant(day: string, time: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  // Start from the same wall clock in UTC, then correct by Oslo's offset
  // at that moment; a second pass settles the DST-change days.
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    guess = wall - offsetMinutes(new Date(guess)) * 60_000;
  }
  return new Date(guess);
}

/** `day` (`YYYY-MM-DD`) moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday of `day`'s week (Norwegian weeks start on Monday). */
export function mondayOf(day: string): string {
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** Oslo's offset from UTC at `instant`, in minutes (60 or 120). */
export function offsetMinutes(instant: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: OSLO,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" });

/** `for 3 minutter siden`, `i går`, or the date past a week. */
export function formatRelative(value: string | Date, now: Date = new Date()): string {
  const then = toDate(value);
  const seconds = Math.round((then.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "akkurat nå";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 7 * 86_400) {
    // Calendar days in Oslo, so 23:50 yesterday is "i går", not "for 0 dager siden".
    const days = Math.round((Date.parse(osloDay(then)) - Date.parse(osloDay(now))) / 86_400_000);
    return relative.format(days, "day");
  }
  return formatDate(then);
}

/** A duration in seconds for people: `45 s`, `3 min`, `2 t 5 min`, `3 d`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} t ${m} min` : `${h} t`;
  }
  return `${Math.round(s / 86_400)} d`;
}

const nok = new Intl.NumberFormat(LOCALE, { style: "currency", currency: "NOK", maximumFractionDigits: 0 });
const integer = new Intl.NumberFormat(LOCALE);
const percent = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

/** `449 900 kr`. */
export function formatNok(value: number | string | null | undefined): string {
  if (value == null || value === "") return "–";
  return nok.format(Number(value));
}

/** `20 000`. */
export function formatNumber(value: number | null | undefined): string {
  return value == null ? "–" : integer.format(value);
}

/** `40 %` from a share 0–1. */
export function formatPercent(share: number | null | undefined): string {
  return share == null ? "–" : percent.format(share);
}
