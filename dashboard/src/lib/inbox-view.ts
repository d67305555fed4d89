// The inbox's filters and sort as one value that lives in the URL: a view
// is a query string, so a saved view, a default view and a link a
// colleague pastes are the same thing.

import type { Query } from "@/lib/api";
import { addDays, osloDay, osloMidnight } from "@/lib/format";

export interface InboxFilters {
  status: string;
  source: string;
  /** "" anyone, "me", "none" (nobody), or a user id. */
  assigned: string;
  tag: string;
  overdue: boolean;
  needsHuman: boolean;
  /** Oslo days, YYYY-MM-DD. */
  from: string;
  to: string;
  /** Created today (Oslo), whatever day it is when the view is opened. */
  today: boolean;
  q: string;
  sort: "newest" | "oldest";
}

export const NO_FILTERS: InboxFilters = {
  status: "",
  source: "",
  assigned: "",
  tag: "",
  overdue: false,
  needsHuman: false,
  from: "",
  to: "",
  today: false,
  q: "",
  sort: "newest",
};

export interface ViewDef {
  id: string;
  name: string;
  query: string;
}

/** The views every inbox has. */
export const DEFAULT_VIEWS: ViewDef[] = [
  { id: "mine", name: "Mine", query: "assigned=me" },
  { id: "unassigned", name: "Ikke tildelt", query: "assigned=none" },
  { id: "needs-human", name: "Trenger menneske", query: "needs_human=1" },
  { id: "overdue", name: "Forfalt", query: "overdue=1&sort=oldest" },
  { id: "new-today", name: "Nye i dag", query: "status=new&today=1" },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters a query string holds; unknown keys and bad values are ignored. */
export function parseView(search: string): InboxFilters {
  const p = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const flag = (key: string) => p.get(key) === "1" || p.get(key) === "true";
  const day = (key: string) => {
    const v = p.get(key) ?? "";
    return DAY.test(v) ? v : "";
  };
  return {
    status: p.get("status") ?? "",
    source: p.get("source") ?? "",
    assigned: p.get("assigned") ?? "",
    tag: p.get("tag") ?? "",
    overdue: flag("overdue"),
    needsHuman: flag("needs_human"),
    from: day("from"),
    to: day("to"),
    today: flag("today"),
    q: p.get("q") ?? "",
    sort: p.get("sort") === "oldest" ? "oldest" : "newest",
  };
}

/** The query string for these filters, keys in a fixed order, defaults left out. */
export function viewQuery(f: InboxFilters): string {
  const p = new URLSearchParams();
  if (f.status) p.set("status", f.status);
  if (f.source) p.set("source", f.source);
  if (f.assigned) p.set("assigned", f.assigned);
  if (f.tag) p.set("tag", f.tag);
  if (f.overdue) p.set("overdue", "1");
  if (f.needsHuman) p.set("needs_human", "1");
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.today) p.set("today", "1");
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.sort === "oldest") p.set("sort", "oldest");
  return p.toString();
}

/** Whether a view's query means the same filters as `f`. */
export function isView(view: ViewDef, f: InboxFilters): boolean {
  return viewQuery(parseView(view.query)) === viewQuery(f);
}

/** `GET /api/leads` parameters for these filters, for user `me`, at `now`. */
export function apiQuery(f: InboxFilters, me: string | undefined, now: Date = new Date()): Query {
  const today = osloDay(now);
  const from = f.today ? today : f.from;
  const to = f.today ? today : f.to;
  return {
    status: f.status || undefined,
    source: f.source || undefined,
    assigned_to: f.assigned === "me" ? me : f.assigned && f.assigned !== "none" ? f.assigned : undefined,
    unassigned: f.assigned === "none" ? "true" : undefined,
    tag: f.tag || undefined,
    overdue: f.overdue ? "true" : undefined,
    needs_human: f.needsHuman ? "true" : undefined,
    created_after: from ? osloMidnight(from).toISOString() : undefined,
    created_before: to ? osloMidnight(addDays(to, 1)).toISOString() : undefined,
    search: f.q.trim() || undefined,
    sort: f.sort === "oldest" ? "oldest" : undefined,
  };
}

/** The same filters as a bulk request's `filter` (no paging, no sort). */
export function bulkFilter(f: InboxFilters, me: string | undefined, now: Date = new Date()): Record<string, unknown> {
  const q = apiQuery(f, me, now);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(q)) {
    if (value === undefined || key === "sort") continue;
    out[key] = value === "true" ? true : value;
  }
  return out;
}
