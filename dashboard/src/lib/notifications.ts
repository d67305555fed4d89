// Browser notifications for the sales floor: a new lead assigned to me, a
// customer's reply, an escalation. Worked out from what the inbox's poll
// brings (the lead before and after), and only for what happened after
// this page opened: a reload never replays old news.

import { customerLabel as customer } from "@/lib/labels";
import type { Lead } from "@/lib/types";

export interface FloorEvent {
  /** One per lead and happening: the notification's tag, so it shows once. */
  key: string;
  title: string;
  body: string;
  leadId: string;
}

export type NotifyKind = "assigned" | "reply" | "escalation";

/** A short preview of a text: one line, at most `max` characters. */
export function preview(text: string | null | undefined, max = 80): string {
  const line = (text ?? "").replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const after = (at: string | null | undefined, since: Date) => !!at && Date.parse(at) > since.getTime();

/**
 * What to tell `me` about `lead`, given how it looked before this poll
 * (`before`, undefined when the page had not seen it) and when the page
 * opened (`since`).
 */
export function floorEvents(before: Lead | undefined, lead: Lead, me: string | undefined, since: Date): FloorEvent[] {
  if (!me || lead.deleted_at) return [];
  const events: FloorEvent[] = [];
  const mine = lead.assigned_to === me;
  if (mine && before?.assigned_to !== me && after(lead.updated_at, since)) {
    events.push({
      key: `assigned:${lead.id}:${lead.updated_at}`,
      title: `Nytt lead til deg: ${customer(lead)}`,
      body: preview(lead.vehicle_interest ?? lead.initial_message),
      leadId: lead.id,
    });
  }
  if (mine && after(lead.customer_replied_at, since) && lead.customer_replied_at !== before?.customer_replied_at) {
    events.push({
      key: `reply:${lead.id}:${lead.customer_replied_at}`,
      title: `${customer(lead)} har svart`,
      body: preview(lead.handover?.summary ?? lead.vehicle_interest),
      leadId: lead.id,
    });
  }
  const overdueAt = lead.overdue_at ?? null;
  if (mine && overdueAt && after(lead.updated_at, since) && overdueAt !== (before?.overdue_at ?? null)) {
    events.push({
      key: `escalation:${lead.id}:${overdueAt}`,
      title: `Forfalt: ${customer(lead)}`,
      body: "Svarfristen er passert – ta kontakt nå.",
      leadId: lead.id,
    });
  }
  return events;
}

const PREF = "norvalt.browser-notifications";

export function notificationsWanted(): boolean {
  return typeof window !== "undefined" && window.localStorage.getItem(PREF) === "on";
}

export function setNotificationsWanted(on: boolean) {
  window.localStorage.setItem(PREF, on ? "on" : "off");
}

/** Shows the events as browser notifications, when allowed and wanted. */
export function show(events: FloorEvent[], open: (leadId: string) => void) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted" || !notificationsWanted()) return;
  for (const e of events) {
    const n = new Notification(e.title, { body: e.body, tag: e.key });
    n.onclick = () => {
      window.focus();
      open(e.leadId);
    };
  }
}
