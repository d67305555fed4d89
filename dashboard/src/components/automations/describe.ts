// Plain Norwegian for a follow-up rule's parts.
import { SOURCE_LABEL, STATUS_LABEL } from "@/lib/labels";
import type { Action, AutomationRule, Conditions, Trigger, User } from "@/lib/types";

export function describeTrigger(t: Trigger): string {
  switch (t.type) {
    case "new_lead":
      return "Når et nytt lead kommer inn";
    case "no_response":
      return `Når kunden ikke har svart på ${t.hours} timer etter vårt siste svar`;
    case "time_based":
      return `Når leadet har vært «${STATUS_LABEL[t.status]}» i ${t.days} dager`;
  }
}

export function describeConditions(c: Conditions): string[] {
  const parts: string[] = [];
  if (c.sources?.length) parts.push(`kilde: ${c.sources.map((s) => SOURCE_LABEL[s]).join(", ")}`);
  if (c.statuses?.length) parts.push(`status: ${c.statuses.map((s) => STATUS_LABEL[s]).join(", ")}`);
  if (c.vehicle_contains) parts.push(`bil inneholder «${c.vehicle_contains}»`);
  if (c.min_score != null) parts.push(`score ≥ ${c.min_score}`);
  if (c.max_score != null) parts.push(`score ≤ ${c.max_score}`);
  if (c.has_email === true) parts.push("har e-post");
  if (c.has_email === false) parts.push("uten e-post");
  if (c.has_phone === true) parts.push("har telefon");
  if (c.has_phone === false) parts.push("uten telefon");
  return parts;
}

export function describeDelay(minutes: number): string {
  if (minutes === 0) return "Straks";
  if (minutes % 1440 === 0) return `Etter ${minutes / 1440} ${minutes === 1440 ? "dag" : "dager"}`;
  if (minutes % 60 === 0) return `Etter ${minutes / 60} ${minutes === 60 ? "time" : "timer"}`;
  return `Etter ${minutes} min`;
}

export function describeAction(a: Action, users: User[] = []): string {
  const name = (id?: string | null) => users.find((u) => u.id === id)?.name ?? "en bruker";
  switch (a.type) {
    case "send_email":
      return a.template ? `Send e-post «${a.template.subject}»` : "Send e-post skrevet av AI";
    case "send_sms":
      return a.template ? "Send SMS fra mal" : "Send SMS skrevet av AI";
    case "assign":
      return a.to.mode === "round_robin" ? "Tildel neste selger (på rundgang)" : `Tildel ${name(a.to.user_id)}`;
    case "set_status":
      return `Sett status til «${STATUS_LABEL[a.status]}»`;
    case "notify":
      return a.user_id ? `Varsle ${name(a.user_id)}` : a.emails?.length ? `Varsle ${a.emails.join(", ")}` : "Varsle selgeren";
  }
}

export function summarise(rule: AutomationRule, users: User[] = []): string {
  return [describeTrigger(rule.trigger), ...rule.steps.map((s) => `${describeDelay(s.delay_minutes)}: ${describeAction(s.action, users)}`)].join(" → ");
}
