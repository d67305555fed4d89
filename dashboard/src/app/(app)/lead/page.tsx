"use client";

import { ArrowLeft, Download, Mail, Phone, ShieldAlert, StickyNote, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import * as React from "react";

import { DraftBox, HandoverBanner } from "@/components/lead/ai-panel";
import { AppointmentsCard } from "@/components/lead/appointments-card";
import { Conversation } from "@/components/lead/conversation";
import { ReplyBox } from "@/components/lead/reply-box";
import { ResponseClock } from "@/components/lead/response-clock";
import { TagEditor } from "@/components/lead/tag-editor";
import { PeopleOptions, StatusOptions } from "@/components/options";
import { ScoreBadge, SourceIcon, StatusBadge } from "@/components/lead-bits";
import { ErrorState, InlineError, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatDateTime, formatNok, formatRelative } from "@/lib/format";
import { formatPhone, phoneHref } from "@/lib/phone";
import { CONVERSATION_MODE_LABEL, INTENT_LABEL, URGENCY_LABEL } from "@/lib/labels";
import { markSeen } from "@/lib/seen";
import { useSession } from "@/lib/session";
import type { ConversationMode, InboxSetup, Lead, LeadStatus, Message, Page, User, Vehicle } from "@/lib/types";
import { useAction } from "@/lib/use-action";
import { useResource } from "@/lib/use-resource";

function LeadDetail() {
  const id = useSearchParams().get("id");
  const lead = useResource<Lead>(id ? `/api/leads/${id}` : null);
  React.useEffect(() => {
    if (id && lead.data) markSeen(id);
  }, [id, lead.data]);
  if (!id) return <ErrorState error={new Error("Lenken mangler hvilket lead den gjelder.")} />;
  if (lead.loading && !lead.data) return <LoadingState label="Henter leadet …" />;
  if (lead.error && !lead.data) return <ErrorState error={lead.error} onRetry={lead.reload} />;
  if (!lead.data) return null;
  return <LeadView lead={lead.data} onChange={(l) => lead.setData(l)} />;
}

function LeadView({ lead, onChange }: { lead: Lead; onChange: (lead: Lead) => void }) {
  const { api, canManage, isAdmin } = useSession();
  const router = useRouter();
  const conversation = useResource<Page<Message>>(`/api/leads/${lead.id}/conversations`, { limit: 100 });
  const team = useResource<{ items: User[] }>("/api/users");
  const optOuts = useResource<{ email: boolean; sms: boolean }>(`/api/leads/${lead.id}/opt-outs`);
  const setup = useResource<InboxSetup>("/api/inbox-setup");
  const { busy: saving, error: actionError, run } = useAction();

  // Keep the conversation fresh: the AI's reply lands a moment after the lead.
  const reloadConversation = conversation.reload;
  React.useEffect(() => {
    const timer = window.setInterval(reloadConversation, 10_000);
    return () => window.clearInterval(timer);
  }, [reloadConversation]);

  async function patch(body: Partial<Pick<Lead, "status" | "assigned_to" | "ai_mode" | "tags">>) {
    const updated = await run(() => api.patch<Lead>(`/api/leads/${lead.id}`, body));
    if (updated) onChange(updated);
  }

  const messages = conversation.data?.items ?? [];
  const add = (m: Message) => conversation.setData((p) => ({ items: [...(p?.items ?? []), m], next_cursor: p?.next_cursor ?? null }));
  const title = lead.customer_name ?? lead.customer_email ?? formatPhone(lead.customer_phone) ?? "Ukjent kunde";

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="ghost" size="sm" asChild>
          <Link href="/inbox/">
            <ArrowLeft aria-hidden /> Innboks
          </Link>
        </Button>
      </div>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight" data-testid="lead-title">
            {title}
          </h1>
          <p className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            <SourceIcon source={lead.source} withLabel />
            <span>·</span>
            <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)}>
              {formatDateTime(lead.created_at)} ({formatRelative(lead.created_at)})
            </time>
            <StatusBadge status={lead.status} />
            <ResponseClock leadId={lead.id} version={lead.version} />
            {lead.erased_at && <Badge variant="danger">Slettet (GDPR)</Badge>}
            {lead.source_metadata?.test_lead === true && <Badge variant="outline">Testlead</Badge>}
          </p>
        </div>
      </div>

      <HandoverBanner lead={lead} onChange={onChange} />
      <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="flex flex-col gap-4">
          <Card>
            <CardContent className="pt-5">
              {conversation.loading && !conversation.data ? (
                <LoadingState label="Henter samtalen …" />
              ) : conversation.error && !conversation.data ? (
                <ErrorState error={conversation.error} onRetry={conversation.reload} />
              ) : (
                <Conversation messages={messages} />
              )}
            </CardContent>
          </Card>
          {lead.ai_draft && !lead.erased_at && (
            <Card>
              <CardContent className="pt-5">
                <DraftBox lead={lead} onChange={onChange} onSent={add} />
              </CardContent>
            </Card>
          )}
          {!lead.erased_at && (
            <Card>
              <CardContent className="pt-5">
                <ReplyBox lead={lead} optOuts={optOuts.data} onSent={add} />
              </CardContent>
            </Card>
          )}
          <Card>
            <CardContent className="pt-5">
              <NoteForm leadId={lead.id} onAdded={add} />
            </CardContent>
          </Card>
        </div>

        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Handlinger</CardTitle>
            </CardHeader>
            <CardContent className="flex flex-col gap-3">
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="lead-status">Status</Label>
                <NativeSelect
                  id="lead-status"
                  value={lead.status}
                  disabled={saving}
                  onChange={(e) => patch({ status: e.target.value as LeadStatus })}
                >
                  <StatusOptions />
                </NativeSelect>
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="lead-assignee">Tildelt</Label>
                <NativeSelect
                  id="lead-assignee"
                  value={lead.assigned_to ?? ""}
                  disabled={saving || team.loading}
                  onChange={(e) => patch({ assigned_to: e.target.value || null })}
                >
                  <option value="">Ikke tildelt</option>
                  <PeopleOptions users={team.data?.items ?? []} />
                </NativeSelect>
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="lead-ai-mode">AI på denne leaden</Label>
                <NativeSelect
                  id="lead-ai-mode"
                  value={lead.ai_mode ?? ""}
                  disabled={saving}
                  onChange={(e) => patch({ ai_mode: (e.target.value || null) as ConversationMode | null })}
                >
                  <option value="">Som forhandleren</option>
                  {(Object.keys(CONVERSATION_MODE_LABEL) as ConversationMode[]).map((m) => (
                    <option key={m} value={m}>
                      {CONVERSATION_MODE_LABEL[m]}
                    </option>
                  ))}
                </NativeSelect>
              </div>
              <TagEditor
                ids={lead.tags}
                tags={setup.data?.tags ?? []}
                disabled={saving}
                onChange={(tags) => patch({ tags })}
              />
              <p className="sr-only" aria-live="polite">
                {saving ? "Lagrer …" : ""}
              </p>
              <InlineError error={actionError ?? team.error} />
              {canManage && !lead.erased_at && (
                <DeleteLead lead={lead} onDeleted={() => router.replace("/inbox/")} />
              )}
            </CardContent>
          </Card>
          <CustomerCard lead={lead} optOuts={optOuts.data} />
          <ScoreCard lead={lead} onChange={onChange} />
          <VehicleCard leadId={lead.id} interest={lead.vehicle_interest} />
          {!lead.erased_at && <AppointmentsCard leadId={lead.id} />}
          {isAdmin && <GdprCard lead={lead} onErased={onChange} />}
        </div>
      </div>
    </div>
  );
}

/** What the rep is told about a value that failed its check at capture. */
const UNPARSED_LABEL: Record<string, string> = {
  unparsed_email: "Ugyldig e-post",
  unparsed_phone: "Ugyldig telefon",
  unparsed_name: "Navn (renset)",
  unparsed_vehicle_interest: "Bil (renset)",
  unparsed_source_url: "Ugyldig side-URL",
};

function CustomerCard({ lead, optOuts }: { lead: Lead; optOuts?: { email: boolean; sms: boolean } }) {
  const consent = lead.source_metadata?.consent;
  const unparsed = Object.entries(lead.source_metadata ?? {}).filter(
    ([k, v]) => k.startsWith("unparsed_") && typeof v === "string",
  ) as [string, string][];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Kunde</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-sm">
        <p className="font-medium">{lead.customer_name ?? "Navn ikke oppgitt"}</p>
        {lead.customer_email && (
          <a className="flex items-center gap-2 text-primary underline-offset-4 hover:underline" href={`mailto:${lead.customer_email}`}>
            <Mail className="h-4 w-4" aria-hidden /> {lead.customer_email}
          </a>
        )}
        {lead.customer_phone && (
          <a
            className="flex items-center gap-2 text-primary underline-offset-4 hover:underline"
            href={phoneHref(lead.customer_phone)}
            data-testid="call-link"
          >
            <Phone className="h-4 w-4" aria-hidden /> Ring {formatPhone(lead.customer_phone)}
          </a>
        )}
        <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-muted-foreground">
          <dt>Samtykke</dt>
          <dd>{consent === true ? "Ja" : consent === false ? "Nei" : "Ikke oppgitt"}</dd>
          <dt>Reservert</dt>
          <dd data-testid="opt-outs">
            {!optOuts
              ? "–"
              : optOuts.email || optOuts.sms
                ? [optOuts.email && "e-post", optOuts.sms && "SMS"].filter(Boolean).join(" og ")
                : "Nei"}
          </dd>
          {unparsed.map(([k, v]) => (
            <React.Fragment key={k}>
              <dt>{UNPARSED_LABEL[k] ?? k}</dt>
              <dd data-testid="unparsed" className="break-all font-mono text-xs">
                {v}
              </dd>
            </React.Fragment>
          ))}
          {lead.first_response_at && (
            <>
              <dt>Første svar</dt>
              <dd>{formatDateTime(lead.first_response_at)}</dd>
            </>
          )}
          {lead.customer_replied_at && (
            <>
              <dt>Kunden svarte</dt>
              <dd>{formatDateTime(lead.customer_replied_at)}</dd>
            </>
          )}
        </dl>
      </CardContent>
    </Card>
  );
}

function ScoreCard({ lead, onChange }: { lead: Lead; onChange: (lead: Lead) => void }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const a = lead.analysis;
  async function analyse() {
    const updated = await run(async () => {
      await api.post("/api/ai/analyze-lead", { lead_id: lead.id });
      return api.get<Lead>(`/api/leads/${lead.id}`);
    });
    if (updated) onChange(updated);
  }
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          Score <ScoreBadge score={lead.lead_score} />
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-sm">
        {a ? (
          <>
            <p data-testid="score-explanation">{a.explanation}</p>
            <div className="flex flex-wrap gap-1">
              {a.intents.map((i) => (
                <Badge key={i} variant="secondary">
                  {INTENT_LABEL[i] ?? i}
                </Badge>
              ))}
              <Badge variant="outline">Hast: {URGENCY_LABEL[a.urgency] ?? a.urgency}</Badge>
            </div>
          </>
        ) : (
          <p className="text-muted-foreground">Ingen analyse ennå.</p>
        )}
        <Button variant="outline" size="sm" className="self-start" onClick={analyse} disabled={busy || !!lead.erased_at}>
          {busy ? "Analyserer …" : "Analyser på nytt"}
        </Button>
        <InlineError error={error} />
      </CardContent>
    </Card>
  );
}

/** The cars in stock that match the interest, by the rule the AI's replies use (the API chooses them). */
function VehicleCard({ leadId, interest }: { leadId: string; interest: string | null }) {
  const stock = useResource<{ items: Vehicle[] }>(interest ? `/api/leads/${leadId}/matching-vehicles` : null);
  const matches = stock.data?.items ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Bilinteresse</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-sm">
        <p className="font-medium">{interest ?? "Ikke oppgitt"}</p>
        {stock.error ? <InlineError error={stock.error} /> : null}
        {interest && stock.data && matches.length === 0 && <p className="text-muted-foreground">Ingen treff på lager.</p>}
        {matches.length > 0 && (
          <ul className="flex flex-col gap-1" aria-label="Biler på lager som passer">
            {matches.map((v) => (
              <li key={v.id}>
                <Link className="text-primary underline-offset-4 hover:underline" href={`/inventory/?vehicle=${v.id}`}>
                  {v.make} {v.model} {v.year ?? ""}
                </Link>{" "}
                <span className="text-muted-foreground">· {formatNok(v.price)}</span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function NoteForm({ leadId, onAdded }: { leadId: string; onAdded: (m: Message) => void }) {
  const { api } = useSession();
  const [text, setText] = React.useState("");
  const { busy, error, run } = useAction();
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const note = await run(() => api.post<Message>(`/api/leads/${leadId}/notes`, { text }));
    if (note) {
      onAdded(note);
      setText("");
    }
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-2">
      <Label htmlFor="note-text" className="text-base font-semibold">
        Internt notat
      </Label>
      <Textarea
        id="note-text"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Synlig bare for teamet, aldri for kunden eller AI-en."
      />
      <Button type="submit" variant="secondary" className="self-end" disabled={busy || !text.trim()}>
        <StickyNote aria-hidden /> {busy ? "Lagrer …" : "Legg til notat"}
      </Button>
      <InlineError error={error} />
    </form>
  );
}

function DeleteLead({ lead, onDeleted }: { lead: Lead; onDeleted: () => void }) {
  const { api } = useSession();
  const [open, setOpen] = React.useState(false);
  const { busy, error, run } = useAction();
  return (
    <>
      <Button variant="outline" size="sm" className="self-start" onClick={() => setOpen(true)}>
        <Trash2 aria-hidden /> Slett lead
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Slette leadet?</DialogTitle>
            <DialogDescription>Leadet forsvinner fra innboksen. Det lagres til det eventuelt slettes etter GDPR.</DialogDescription>
          </DialogHeader>
          <InlineError error={error} />
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              Avbryt
            </Button>
            <Button
              variant="destructive"
              disabled={busy}
              onClick={async () => {
                const deleted = await run(async () => {
                  await api.delete(`/api/leads/${lead.id}`);
                  return true;
                });
                if (deleted) onDeleted();
              }}
            >
              Slett
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}

function GdprCard({ lead, onErased }: { lead: Lead; onErased: (lead: Lead) => void }) {
  const { api } = useSession();
  const [confirm, setConfirm] = React.useState(false);
  const { busy, error, run } = useAction();

  async function exportData() {
    const data = await run(() => api.get<unknown>("/api/gdpr/export", { lead_id: lead.id }));
    if (data === undefined) return;
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `innsyn-${lead.id}.json`;
    a.click();
    URL.revokeObjectURL(url);
  }

  async function erase() {
    const erased = await run(async () => {
      await api.post("/api/gdpr/erase", { lead_id: lead.id });
      return api.get<Lead>(`/api/leads/${lead.id}`);
    });
    if (erased) {
      onErased(erased);
      setConfirm(false);
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>Personvern (GDPR)</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-wrap gap-2">
        <Button variant="outline" size="sm" onClick={exportData}>
          <Download aria-hidden /> Eksporter data
        </Button>
        <Button variant="destructive" size="sm" onClick={() => setConfirm(true)} disabled={!!lead.erased_at}>
          <ShieldAlert aria-hidden /> Slett personopplysninger
        </Button>
        <InlineError error={error} />
        <Dialog open={confirm} onOpenChange={setConfirm}>
          <DialogContent>
            <DialogHeader>
              <DialogTitle>Slette personopplysningene?</DialogTitle>
              <DialogDescription>
                Navn, e-post, telefon og meldinger slettes for godt. Personen kontaktes ikke igjen. Dette kan ikke angres.
              </DialogDescription>
            </DialogHeader>
            <InlineError error={error} />
            <DialogFooter>
              <Button variant="outline" onClick={() => setConfirm(false)}>
                Avbryt
              </Button>
              <Button variant="destructive" onClick={erase} disabled={busy}>
                {busy ? "Sletter …" : "Slett for godt"}
              </Button>
            </DialogFooter>
          </DialogContent>
        </Dialog>
      </CardContent>
    </Card>
  );
}

export default function LeadPage() {
  return (
    <React.Suspense fallback={<LoadingState />}>
      <LeadDetail />
    </React.Suspense>
  );
}
