"use client";

import { Plus, Trash2 } from "lucide-react";
import * as React from "react";

import { PeopleOptions, StatusOptions } from "@/components/options";
import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFormFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { LEAD_SOURCES, SOURCE_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";
import type { Action, AutomationRule, Conditions, LeadStatus, Step, Trigger, User } from "@/lib/types";

export interface RuleDraft {
  name: string;
  is_active: boolean;
  trigger: Trigger;
  conditions: Conditions;
  steps: Step[];
}

export const NEW_RULE: RuleDraft = {
  name: "",
  is_active: true,
  trigger: { type: "no_response", hours: 24 },
  conditions: { sources: [] },
  steps: [{ delay_minutes: 0, action: { type: "send_email", template: null } }],
};

const ACTIONS: { type: Action["type"]; label: string }[] = [
  { type: "send_email", label: "Send e-post" },
  { type: "send_sms", label: "Send SMS" },
  { type: "assign", label: "Tildel selger" },
  { type: "set_status", label: "Sett status" },
  { type: "notify", label: "Varsle teamet" },
];

function defaultAction(type: Action["type"]): Action {
  switch (type) {
    case "send_email":
      return { type, template: null };
    case "send_sms":
      return { type, template: null };
    case "assign":
      return { type, to: { mode: "round_robin" } };
    case "set_status":
      return { type, status: "contacted" };
    case "notify":
      return { type, user_id: null, emails: [], note: null };
  }
}

type Unit = "minutes" | "hours" | "days";
const UNIT_MIN: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };

function splitDelay(minutes: number): { value: number; unit: Unit } {
  if (minutes > 0 && minutes % 1440 === 0) return { value: minutes / 1440, unit: "days" };
  if (minutes > 0 && minutes % 60 === 0) return { value: minutes / 60, unit: "hours" };
  return { value: minutes, unit: "minutes" };
}

/** Create or edit a follow-up rule: trigger, conditions and steps. */
export function RuleEditor({
  rule,
  users,
  onClose,
  onSaved,
}: {
  rule: AutomationRule | null;
  users: User[];
  onClose: () => void;
  onSaved: (rule: AutomationRule) => void;
}) {
  const { api } = useSession();
  const [draft, setDraft] = React.useState<RuleDraft>(() =>
    rule
      ? { name: rule.name, is_active: rule.is_active, trigger: rule.trigger, conditions: rule.conditions, steps: rule.steps }
      : structuredClone(NEW_RULE),
  );
  const { busy, error, run } = useAction();
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setCond = (patch: Partial<Conditions>) => set({ conditions: { ...draft.conditions, ...patch } });
  const setStep = (i: number, step: Step) => set({ steps: draft.steps.map((s, j) => (j === i ? step : s)) });

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const saved = await run(() =>
      rule ? api.patch<AutomationRule>(`/api/automations/${rule.id}`, draft) : api.post<AutomationRule>("/api/automations", draft),
    );
    if (saved) onSaved(saved);
  }

  const tri = (v: boolean | null | undefined) => (v === true ? "yes" : v === false ? "no" : "");
  const fromTri = (v: string) => (v === "yes" ? true : v === "no" ? false : null);

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{rule ? "Endre oppfølging" : "Ny oppfølging"}</DialogTitle>
          <DialogDescription>En sekvens av steg som kjøres for hvert lead som passer.</DialogDescription>
        </DialogHeader>
        <form onSubmit={save} className="flex flex-col gap-4">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="rule-name">Navn</Label>
            <Input id="rule-name" value={draft.name} onChange={(e) => set({ name: e.target.value })} required />
          </div>
          <div className="flex items-center gap-2">
            <Switch id="rule-active" checked={draft.is_active} onCheckedChange={(v) => set({ is_active: v })} />
            <Label htmlFor="rule-active">Aktiv</Label>
          </div>

          <fieldset className="flex flex-col gap-2 rounded-lg border p-3">
            <legend className="px-1 text-sm font-semibold">Utløser</legend>
            <div className="grid grid-cols-2 gap-2">
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="trigger-type">Når</Label>
                <NativeSelect
                  id="trigger-type"
                  value={draft.trigger.type}
                  onChange={(e) => {
                    const type = e.target.value as Trigger["type"];
                    set({
                      trigger:
                        type === "new_lead"
                          ? { type }
                          : type === "no_response"
                            ? { type, hours: 24 }
                            : { type, status: "contacted", days: 7 },
                    });
                  }}
                >
                  <option value="new_lead">Nytt lead</option>
                  <option value="no_response">Kunden har ikke svart</option>
                  <option value="time_based">Tid i en status</option>
                </NativeSelect>
              </div>
              {draft.trigger.type === "no_response" && (
                <div className="flex flex-col gap-1.5">
                  <Label htmlFor="trigger-hours">Timer uten svar</Label>
                  <Input
                    id="trigger-hours"
                    type="number"
                    min={1}
                    value={draft.trigger.hours}
                    onChange={(e) => set({ trigger: { type: "no_response", hours: Number(e.target.value) } })}
                  />
                </div>
              )}
              {draft.trigger.type === "time_based" && (
                <>
                  <div className="flex flex-col gap-1.5">
                    <Label htmlFor="trigger-status">Status</Label>
                    <NativeSelect
                      id="trigger-status"
                      value={draft.trigger.status}
                      onChange={(e) =>
                        set({ trigger: { ...(draft.trigger as { days: number }), type: "time_based", status: e.target.value as LeadStatus } })
                      }
                    >
                      <StatusOptions />
                    </NativeSelect>
                  </div>
                  <div className="flex flex-col gap-1.5">
                    <Label htmlFor="trigger-days">Dager</Label>
                    <Input
                      id="trigger-days"
                      type="number"
                      min={1}
                      value={draft.trigger.days}
                      onChange={(e) =>
                        set({ trigger: { ...(draft.trigger as { status: LeadStatus }), type: "time_based", days: Number(e.target.value) } })
                      }
                    />
                  </div>
                </>
              )}
            </div>
          </fieldset>

          <fieldset className="flex flex-col gap-2 rounded-lg border p-3">
            <legend className="px-1 text-sm font-semibold">Betingelser</legend>
            <div className="flex flex-wrap gap-3" role="group" aria-label="Kilder">
              {LEAD_SOURCES.map((s) => (
                <label key={s} className="flex items-center gap-1.5 text-sm">
                  <input
                    type="checkbox"
                    checked={draft.conditions.sources?.includes(s) ?? false}
                    onChange={(e) => {
                      const now = new Set(draft.conditions.sources ?? []);
                      if (e.target.checked) now.add(s);
                      else now.delete(s);
                      setCond({ sources: [...now] });
                    }}
                  />
                  {SOURCE_LABEL[s]}
                </label>
              ))}
            </div>
            <p className="text-xs text-muted-foreground">Ingen kilde valgt betyr alle kilder.</p>
            <div className="grid grid-cols-2 gap-2 md:grid-cols-4">
              <div className="col-span-2 flex flex-col gap-1.5">
                <Label htmlFor="cond-vehicle">Bil inneholder</Label>
                <Input
                  id="cond-vehicle"
                  value={draft.conditions.vehicle_contains ?? ""}
                  onChange={(e) => setCond({ vehicle_contains: e.target.value || null })}
                  placeholder="f.eks. bZ4X"
                />
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="cond-email">E-post</Label>
                <NativeSelect id="cond-email" value={tri(draft.conditions.has_email)} onChange={(e) => setCond({ has_email: fromTri(e.target.value) })}>
                  <option value="">Uansett</option>
                  <option value="yes">Har e-post</option>
                  <option value="no">Uten e-post</option>
                </NativeSelect>
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="cond-phone">Telefon</Label>
                <NativeSelect id="cond-phone" value={tri(draft.conditions.has_phone)} onChange={(e) => setCond({ has_phone: fromTri(e.target.value) })}>
                  <option value="">Uansett</option>
                  <option value="yes">Har telefon</option>
                  <option value="no">Uten telefon</option>
                </NativeSelect>
              </div>
            </div>
          </fieldset>

          <fieldset className="flex flex-col gap-3 rounded-lg border p-3">
            <legend className="px-1 text-sm font-semibold">Steg</legend>
            <ol className="flex flex-col gap-3">
              {draft.steps.map((step, i) => (
                <li key={i} className="rounded-md border bg-muted/30 p-3">
                  <StepEditor
                    index={i}
                    step={step}
                    users={users}
                    onChange={(s) => setStep(i, s)}
                    onRemove={draft.steps.length > 1 ? () => set({ steps: draft.steps.filter((_, j) => j !== i) }) : undefined}
                  />
                </li>
              ))}
            </ol>
            {draft.steps.length < 10 && (
              <Button
                variant="outline"
                size="sm"
                className="self-start"
                onClick={() => set({ steps: [...draft.steps, { delay_minutes: 1440, action: defaultAction("notify") }] })}
              >
                <Plus aria-hidden /> Legg til steg
              </Button>
            )}
          </fieldset>
          <InlineError error={error} />
          <DialogFormFooter busy={busy} onCancel={onClose} />
        </form>
      </DialogContent>
    </Dialog>
  );
}

function StepEditor({
  index,
  step,
  users,
  onChange,
  onRemove,
}: {
  index: number;
  step: Step;
  users: User[];
  onChange: (step: Step) => void;
  onRemove?: () => void;
}) {
  const id = (name: string) => `step-${index}-${name}`;
  const delay = splitDelay(step.delay_minutes);
  const a = step.action;
  const setAction = (action: Action) => onChange({ ...step, action });
  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center justify-between">
        <span className="text-sm font-medium">Steg {index + 1}</span>
        {onRemove && (
          <Button variant="ghost" size="sm" onClick={onRemove} aria-label={`Fjern steg ${index + 1}`}>
            <Trash2 aria-hidden />
          </Button>
        )}
      </div>
      <div className="grid grid-cols-3 gap-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("delay")}>Vent</Label>
          <Input
            id={id("delay")}
            type="number"
            min={0}
            value={delay.value}
            onChange={(e) => onChange({ ...step, delay_minutes: Math.max(0, Number(e.target.value)) * UNIT_MIN[delay.unit] })}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("unit")}>Enhet</Label>
          <NativeSelect
            id={id("unit")}
            value={delay.unit}
            onChange={(e) => onChange({ ...step, delay_minutes: delay.value * UNIT_MIN[e.target.value as Unit] })}
          >
            <option value="minutes">minutter</option>
            <option value="hours">timer</option>
            <option value="days">dager</option>
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("action")}>Handling</Label>
          <NativeSelect id={id("action")} value={a.type} onChange={(e) => setAction(defaultAction(e.target.value as Action["type"]))}>
            {ACTIONS.map((x) => (
              <option key={x.type} value={x.type}>
                {x.label}
              </option>
            ))}
          </NativeSelect>
        </div>
      </div>
      {a.type === "send_email" && (
        <>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={!a.template}
              onChange={(e) => setAction({ type: "send_email", template: e.target.checked ? null : { subject: "", body: "" } })}
            />
            La AI skrive e-posten
          </label>
          {a.template && (
            <>
              <Label htmlFor={id("subject")}>Emne</Label>
              <Input id={id("subject")} value={a.template.subject} onChange={(e) => setAction({ type: "send_email", template: { ...a.template!, subject: e.target.value } })} />
              <Label htmlFor={id("body")}>Tekst (flettefelt: {"{fornavn}"}, {"{bil}"}, {"{forhandler}"})</Label>
              <Textarea id={id("body")} rows={4} value={a.template.body} onChange={(e) => setAction({ type: "send_email", template: { ...a.template!, body: e.target.value } })} />
            </>
          )}
        </>
      )}
      {a.type === "send_sms" && (
        <>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={a.template == null} onChange={(e) => setAction({ type: "send_sms", template: e.target.checked ? null : "" })} />
            La AI skrive SMS-en
          </label>
          {a.template != null && (
            <>
              <Label htmlFor={id("sms")}>SMS-tekst</Label>
              <Textarea id={id("sms")} rows={3} value={a.template} onChange={(e) => setAction({ type: "send_sms", template: e.target.value })} />
            </>
          )}
        </>
      )}
      {a.type === "assign" && (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("assign")}>Til</Label>
          <NativeSelect
            id={id("assign")}
            value={a.to.mode === "user" ? a.to.user_id : ""}
            onChange={(e) => setAction({ type: "assign", to: e.target.value ? { mode: "user", user_id: e.target.value } : { mode: "round_robin" } })}
          >
            <option value="">Neste selger (rundgang)</option>
            <PeopleOptions users={users} />
          </NativeSelect>
        </div>
      )}
      {a.type === "set_status" && (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={id("status")}>Ny status</Label>
          <NativeSelect id={id("status")} value={a.status} onChange={(e) => setAction({ type: "set_status", status: e.target.value as LeadStatus })}>
            <StatusOptions />
          </NativeSelect>
        </div>
      )}
      {a.type === "notify" && (
        <>
          <Label htmlFor={id("notify-user")}>Hvem</Label>
          <NativeSelect id={id("notify-user")} value={a.user_id ?? ""} onChange={(e) => setAction({ ...a, user_id: e.target.value || null })}>
            <option value="">Selgeren som har leadet</option>
            <PeopleOptions users={users} />
          </NativeSelect>
          <Label htmlFor={id("note")}>Beskjed</Label>
          <Input id={id("note")} value={a.note ?? ""} onChange={(e) => setAction({ ...a, note: e.target.value || null })} />
        </>
      )}
    </div>
  );
}
