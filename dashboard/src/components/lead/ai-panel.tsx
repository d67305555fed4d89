"use client";

import { Bot, Send, Trash2, UserRoundCheck } from "lucide-react";
import * as React from "react";

import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatDateTime } from "@/lib/format";
import { CHANNEL_LABEL, HANDOVER_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import type { Lead, Message } from "@/lib/types";
import { useAction } from "@/lib/use-action";

/**
 * "Trenger menneske": why the AI gave the lead to a person, its summary for
 * the rep, and the way to give the lead back to the AI.
 */
export function HandoverBanner({ lead, onChange }: { lead: Lead; onChange: (lead: Lead) => void }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const handover = lead.handover;
  if (!handover) return null;
  async function handBack() {
    const updated = await run(() => api.post<Lead>(`/api/leads/${lead.id}/hand-back`, {}));
    if (updated) onChange(updated);
  }
  return (
    <section
      aria-labelledby="handover-title"
      data-testid="handover"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm"
    >
      <h2 id="handover-title" className="flex items-center gap-2 text-base font-semibold">
        <UserRoundCheck className="h-4 w-4" aria-hidden /> Trenger menneske
      </h2>
      <p className="mt-1">
        <span className="font-medium" data-testid="handover-reason">
          {HANDOVER_LABEL[handover.reason] ?? handover.reason}
        </span>{" "}
        <span className="text-muted-foreground">· {formatDateTime(handover.at)}</span>
      </p>
      <p className="mt-2 whitespace-pre-wrap" data-testid="handover-summary">
        {handover.summary}
      </p>
      {error ? <InlineError error={error} /> : null}
      <Button className="mt-3" variant="outline" size="sm" onClick={handBack} disabled={busy}>
        <Bot aria-hidden /> {busy ? "Gir tilbake …" : "Gi tilbake til AI"}
      </Button>
    </section>
  );
}

/**
 * The AI's draft answer (mode `draft`): send it as written or edited with
 * one click, or throw it away.
 */
export function DraftBox({
  lead,
  onChange,
  onSent,
}: {
  lead: Lead;
  onChange: (lead: Lead) => void;
  onSent: (message: Message) => void;
}) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const draft = lead.ai_draft;
  const [text, setText] = React.useState(draft?.text ?? "");
  React.useEffect(() => setText(draft?.text ?? ""), [draft?.id, draft?.text]);
  if (!draft) return null;
  const edited = text.trim() !== draft.text.trim();
  async function send(e: React.FormEvent) {
    e.preventDefault();
    const message = await run(() =>
      api.post<Message>(`/api/leads/${lead.id}/draft/send`, edited ? { text } : {}),
    );
    if (message) {
      onSent(message);
      onChange({ ...lead, ai_draft: null });
    }
  }
  async function discard() {
    const done = await run(async () => {
      await api.delete(`/api/leads/${lead.id}/draft`);
      return true;
    });
    if (done) onChange({ ...lead, ai_draft: null });
  }
  return (
    <form onSubmit={send} className="flex flex-col gap-2" data-testid="ai-draft" aria-labelledby="draft-title">
      <h2 id="draft-title" className="flex items-center gap-2 text-base font-semibold">
        <Bot className="h-4 w-4" aria-hidden /> AI-utkast til svar
      </h2>
      <p className="text-xs text-muted-foreground">
        Skrevet {formatDateTime(draft.created_at)} · sendes som {CHANNEL_LABEL[draft.channel] ?? draft.channel}. Les
        gjennom, endre om du vil, og send.
      </p>
      <Label htmlFor="draft-text" className="sr-only">
        Utkast
      </Label>
      <Textarea id="draft-text" rows={5} value={text} onChange={(e) => setText(e.target.value)} />
      {error ? <InlineError error={error} /> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy || !text.trim()}>
          <Send aria-hidden /> {edited ? "Send endret utkast" : "Send utkast"}
        </Button>
        <Button type="button" variant="outline" onClick={discard} disabled={busy}>
          <Trash2 aria-hidden /> Forkast
        </Button>
      </div>
    </form>
  );
}
