"use client";

import { Send, Sparkles } from "lucide-react";
import * as React from "react";

import { CannedPicker } from "@/components/lead/canned-picker";
import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useSession } from "@/lib/session";
import { fillFields, searchReplies, unfilledFields } from "@/lib/reply-fields";
import type { InboxSetup, Lead, Message } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

interface Props {
  lead: Lead;
  optOuts: { email: boolean; sms: boolean } | undefined;
  onSent: (message: Message) => void;
}

function newKey() {
  return crypto.randomUUID();
}

/** Answer the customer by email or SMS, optionally starting from an AI draft. */
export function ReplyBox({ lead, optOuts, onSent }: Props) {
  const { api, me } = useSession();
  const smsOn = (me.dealership.reply as { sms_enabled?: boolean } | undefined)?.sms_enabled === true;
  const canEmail = !!lead.customer_email && !optOuts?.email;
  const canSms = smsOn && !!lead.customer_phone && !optOuts?.sms;
  const [channel, setChannel] = React.useState<"email" | "sms">(canEmail || !canSms ? "email" : "sms");
  const [text, setText] = React.useState("");
  const [busy, setBusy] = React.useState<"draft" | "send" | null>(null);
  const [error, setError] = React.useState<unknown>(null);
  const [notice, setNotice] = React.useState("");
  // One key per reply written: a retried send after a lost answer sends nothing twice.
  const key = React.useRef(newKey());
  const setup = useResource<InboxSetup>("/api/inbox-setup");
  const fields = useResource<{ values: Record<string, string | null> }>(`/api/leads/${lead.id}/reply-fields`);
  // "/" at the start of the box searches the canned replies.
  const slash = /^\/([^\n]*)$/.exec(text);
  const unfilled = unfilledFields(text);
  React.useEffect(() => {
    // The inbox's `r` shortcut opens the lead with the reply box focused.
    if (new URLSearchParams(window.location.search).get("reply") === "1") document.getElementById("reply-text")?.focus();
  }, []);

  function insert(body: string) {
    const filled = fillFields(body, fields.data?.values ?? {});
    setText(filled.text);
    setNotice(filled.missing.length ? "" : "Hurtigsvar satt inn. Les gjennom før du sender.");
    document.getElementById("reply-text")?.focus();
  }

  async function draft() {
    setBusy("draft");
    setError(null);
    try {
      const d = await api.post<{ text: string; fallback: boolean }>("/api/ai/generate-response", { lead_id: lead.id, channel });
      setText(d.text);
      setNotice(d.fallback ? "Utkast fra malen. Les gjennom før du sender." : "AI-utkast klart. Les gjennom før du sender.");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!text.trim() || unfilled.length > 0 || slash) return;
    setBusy("send");
    setError(null);
    try {
      const message = await api.post<Message>(`/api/leads/${lead.id}/replies`, {
        channel,
        text,
        idempotency_key: key.current,
      });
      onSent(message);
      setText("");
      setNotice(channel === "sms" ? "SMS sendt." : "E-post sendt.");
      key.current = newKey();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  if (!canEmail && !canSms) {
    return (
      <p className="rounded-md border border-dashed p-3 text-sm text-muted-foreground">
        Kunden kan ikke kontaktes skriftlig herfra: ingen e-post, SMS er ikke slått på for forhandleren, eller kunden har reservert seg.
      </p>
    );
  }
  return (
    <form onSubmit={send} className="flex flex-col gap-2" aria-labelledby="reply-title">
      <h2 id="reply-title" className="text-base font-semibold">
        Svar kunden
      </h2>
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="reply-channel">Kanal</Label>
          <NativeSelect
            id="reply-channel"
            className="w-36"
            value={channel}
            onChange={(e) => setChannel(e.target.value as "email" | "sms")}
          >
            <option value="email" disabled={!canEmail}>
              E-post{optOuts?.email ? " (reservert)" : ""}
            </option>
            <option value="sms" disabled={!canSms}>
              SMS{!smsOn ? " (ikke slått på)" : optOuts?.sms ? " (reservert)" : ""}
            </option>
          </NativeSelect>
        </div>
        <Button type="button" variant="outline" onClick={draft} disabled={busy !== null}>
          <Sparkles aria-hidden /> {busy === "draft" ? "Skriver …" : "Lag AI-utkast"}
        </Button>
      </div>
      <Label htmlFor="reply-text" className="sr-only">
        Melding
      </Label>
      <Textarea
        id="reply-text"
        rows={6}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          const first = slash ? searchReplies(setup.data?.canned_replies ?? [], slash[1])[0] : undefined;
          if (e.key === "Enter" && first) {
            e.preventDefault();
            insert(first.body);
          }
        }}
        placeholder={channel === "sms" ? "Kort SMS til kunden … (/ for hurtigsvar)" : "Skriv svaret til kunden … (/ for hurtigsvar)"}
      />
      {slash && <CannedPicker replies={setup.data?.canned_replies ?? []} search={slash[1]} onPick={(r) => insert(r.body)} />}
      {unfilled.length > 0 && (
        <p className="text-sm text-red-800" role="alert" data-testid="unfilled-fields">
          Fyll ut før du sender: {unfilled.map((f) => `{${f}}`).join(", ")}
        </p>
      )}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-muted-foreground" aria-live="polite">
          {notice}
          {channel === "sms" && text ? ` ${text.length} tegn.` : ""}
        </p>
        <Button type="submit" disabled={busy !== null || !text.trim() || unfilled.length > 0 || !!slash}>
          <Send aria-hidden /> {busy === "send" ? "Sender …" : channel === "sms" ? "Send SMS" : "Send e-post"}
        </Button>
      </div>
      <InlineError error={error} />
    </form>
  );
}
