"use client";

import { FlaskConical, Pencil, Plus, Trash2 } from "lucide-react";
import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { describeAction, describeConditions, describeDelay, describeTrigger } from "@/components/automations/describe";
import { RuleEditor } from "@/components/automations/rule-editor";
import { EmptyState, ErrorState, InlineError, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { formatDateTime } from "@/lib/format";
import { CHANNEL_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import type { AutomationRule, DryRun, Lead, Page, User } from "@/lib/types";
import { useResource } from "@/lib/use-resource";
import { useAction } from "@/lib/use-action";

const ACTION_LABEL: Record<string, string> = {
  send_email: "Send e-post",
  send_sms: "Send SMS",
  assign: "Tildel selger",
  set_status: "Sett status",
  notify: "Varsle teamet",
};

const STOP_TEXT: Record<string, string> = {
  completed: "sekvensen er ferdig",
  customer_replied: "kunden har svart",
  lead_closed: "leadet er vunnet eller tapt",
  lead_deleted: "leadet er slettet",
  opted_out: "kunden har reservert seg",
  rule_inactive: "regelen er av",
  status_changed: "statusen er endret",
};

export default function AutomationsPage() {
  const { api, canManage } = useSession();
  const rules = useResource<AutomationRule[]>("/api/automations");
  const team = useResource<{ items: User[] }>("/api/users");
  const users = team.data?.items ?? [];
  const [editing, setEditing] = React.useState<AutomationRule | "new" | null>(null);
  const [testing, setTesting] = React.useState<AutomationRule | null>(null);
  const [error, setError] = React.useState<unknown>(null);

  function replace(rule: AutomationRule) {
    rules.setData((all) => {
      const list = all ?? [];
      return list.some((r) => r.id === rule.id) ? list.map((r) => (r.id === rule.id ? rule : r)) : [...list, rule];
    });
  }

  async function toggle(rule: AutomationRule, is_active: boolean) {
    setError(null);
    try {
      replace(await api.patch<AutomationRule>(`/api/automations/${rule.id}`, { is_active }));
    } catch (e) {
      setError(e);
    }
  }

  async function remove(rule: AutomationRule) {
    if (!window.confirm(`Slette «${rule.name}»? Pågående sekvenser stopper.`)) return;
    setError(null);
    try {
      await api.delete(`/api/automations/${rule.id}`);
      rules.setData((all) => (all ?? []).filter((r) => r.id !== rule.id));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <>
      <PageHeader
        title="Oppfølging"
        description="Automatiske påminnelser, tildeling og varsler. SMS sendes bare 08–21, ikke søndag og helligdager."
        actions={
          canManage && (
            <Button onClick={() => setEditing("new")}>
              <Plus aria-hidden /> Ny oppfølging
            </Button>
          )
        }
      />
      {error ? <ErrorState className="mb-3" error={error} /> : null}
      {rules.loading && !rules.data && <LoadingState label="Henter regler …" />}
      {rules.error && !rules.data ? <ErrorState error={rules.error} onRetry={rules.reload} /> : null}
      {rules.data?.length === 0 && (
        <EmptyState title="Ingen oppfølgingsregler" description="Lag en sekvens, for eksempel en påminnelse når kunden ikke har svart på et døgn." />
      )}
      <div className="grid gap-4 xl:grid-cols-2">
        {rules.data?.map((rule) => (
          <Card key={rule.id} data-testid="rule-card">
            <CardHeader>
              <div className="flex items-start justify-between gap-2">
                <div>
                  <CardTitle>{rule.name}</CardTitle>
                  <CardDescription>{describeTrigger(rule.trigger)}</CardDescription>
                </div>
                <div className="flex items-center gap-2">
                  {canManage ? (
                    <>
                      <Switch
                        id={`active-${rule.id}`}
                        checked={rule.is_active}
                        onCheckedChange={(v) => toggle(rule, v)}
                        aria-label={`${rule.name} aktiv`}
                      />
                      <Label htmlFor={`active-${rule.id}`} className="text-xs">
                        {rule.is_active ? "Aktiv" : "Av"}
                      </Label>
                    </>
                  ) : (
                    <Badge variant={rule.is_active ? "success" : "outline"}>{rule.is_active ? "Aktiv" : "Av"}</Badge>
                  )}
                </div>
              </div>
            </CardHeader>
            <CardContent className="flex flex-col gap-3 text-sm">
              {describeConditions(rule.conditions).length > 0 && (
                <p className="text-muted-foreground">Gjelder leads med {describeConditions(rule.conditions).join(", ")}.</p>
              )}
              <ol className="flex flex-col gap-1">
                {rule.steps.map((s, i) => (
                  <li key={i} className="flex gap-2">
                    <span className="w-28 shrink-0 text-muted-foreground">{describeDelay(s.delay_minutes)}</span>
                    <span>{describeAction(s.action, users)}</span>
                  </li>
                ))}
              </ol>
              {canManage && (
                <div className="flex flex-wrap gap-2">
                  <Button variant="outline" size="sm" onClick={() => setTesting(rule)}>
                    <FlaskConical aria-hidden /> Test på et lead
                  </Button>
                  <Button variant="outline" size="sm" onClick={() => setEditing(rule)}>
                    <Pencil aria-hidden /> Endre
                  </Button>
                  <Button variant="ghost" size="sm" onClick={() => remove(rule)} aria-label={`Slett ${rule.name}`}>
                    <Trash2 aria-hidden />
                  </Button>
                </div>
              )}
            </CardContent>
          </Card>
        ))}
      </div>
      {editing && (
        <RuleEditor
          rule={editing === "new" ? null : editing}
          users={users}
          onClose={() => setEditing(null)}
          onSaved={(rule) => {
            replace(rule);
            setEditing(null);
          }}
        />
      )}
      {testing && <DryRunDialog rule={testing} onClose={() => setTesting(null)} />}
    </>
  );
}

function DryRunDialog({ rule, onClose }: { rule: AutomationRule; onClose: () => void }) {
  const { api } = useSession();
  const leads = useResource<Page<Lead>>("/api/leads", { limit: 50 });
  const [leadId, setLeadId] = React.useState("");
  const [result, setResult] = React.useState<DryRun | null>(null);
  const { busy, error, run: act } = useAction();
  async function run(e: React.FormEvent) {
    e.preventDefault();
    setResult(null);
    setResult((await act(() => api.post<DryRun>(`/api/automations/${rule.id}/test`, { lead_id: leadId }))) ?? null);
  }
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>Test «{rule.name}»</DialogTitle>
          <DialogDescription>En prøvekjøring: viser hva som ville skjedd og når. Ingenting sendes.</DialogDescription>
        </DialogHeader>
        <form onSubmit={run} className="flex flex-wrap items-end gap-2">
          <div className="flex min-w-60 flex-1 flex-col gap-1.5">
            <Label htmlFor="dry-run-lead">Lead</Label>
            <NativeSelect id="dry-run-lead" value={leadId} onChange={(e) => setLeadId(e.target.value)} required>
              <option value="">Velg et lead …</option>
              {leads.data?.items.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.customer_name ?? l.customer_email ?? l.customer_phone} – {l.vehicle_interest ?? "ingen bil"}
                </option>
              ))}
            </NativeSelect>
          </div>
          <Button type="submit" disabled={busy || !leadId}>
            {busy ? "Kjører …" : "Prøvekjør"}
          </Button>
        </form>
        <InlineError error={error ?? leads.error} />
        {result && (
          <div className="flex flex-col gap-3 text-sm" data-testid="dry-run-result">
            <p>
              {result.conditions_match ? "Leadet passer betingelsene." : "Leadet passer ikke betingelsene, så regelen ville ikke startet."}
              {result.would_stop ? ` Sekvensen ville stoppet: ${STOP_TEXT[result.would_stop] ?? result.would_stop}.` : ""}
            </p>
            <ol className="flex flex-col gap-2">
              {result.steps.map((s) => (
                <li key={s.index} className="rounded-md border p-3" data-testid="dry-run-step">
                  <p className="font-medium">
                    Steg {s.index + 1}: {ACTION_LABEL[s.action] ?? s.action}
                    {s.channel ? ` (${CHANNEL_LABEL[s.channel]})` : ""}, {s.due_text}
                  </p>
                  <p className="text-muted-foreground">
                    <time dateTime={s.due_at}>{formatDateTime(s.due_at)}</time>
                  </p>
                  {s.would_skip && <p className="text-amber-800">Hoppes over: {s.would_skip}</p>}
                  {s.subject && <p className="mt-1 font-medium">Emne: {s.subject}</p>}
                  {s.message && <p className="mt-1 whitespace-pre-wrap">{s.message}</p>}
                  {s.written_by && (
                    <p className="mt-1 text-xs text-muted-foreground">Skrevet av: {s.written_by === "template" ? "malen" : s.written_by}</p>
                  )}
                </li>
              ))}
            </ol>
          </div>
        )}
      </DialogContent>
    </Dialog>
  );
}
