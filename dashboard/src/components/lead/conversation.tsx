"use client";

import { Bot, Info, StickyNote, User as UserIcon } from "lucide-react";
import * as React from "react";

import { EmptyState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format";
import { CHANNEL_LABEL, HANDOVER_LABEL } from "@/lib/labels";
import type { Channel, HandoverReason, Message } from "@/lib/types";
import { cn } from "@/lib/utils";

type View = "all" | Channel;

/** The whole conversation, oldest first: customer left, AI and reps right, notes apart. */
export function Conversation({ messages }: { messages: Message[] }) {
  const channels = React.useMemo(() => [...new Set(messages.map((m) => m.channel))], [messages]);
  const [view, setView] = React.useState<View>("all");
  const shown = view === "all" ? messages : messages.filter((m) => m.channel === view);
  return (
    <section aria-labelledby="conversation-title" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="conversation-title" className="text-base font-semibold">
          Samtale
        </h2>
        {channels.length > 1 && (
          <div role="group" aria-label="Vis kanal" className="flex flex-wrap gap-1">
            {(["all", ...channels] as View[]).map((c) => (
              <button
                key={c}
                type="button"
                aria-pressed={view === c}
                onClick={() => setView(c)}
                className={cn(
                  "rounded-md border px-2 py-1 text-xs",
                  view === c ? "border-primary bg-primary text-primary-foreground" : "hover:bg-accent",
                )}
              >
                {c === "all" ? "Alle" : CHANNEL_LABEL[c]}
              </button>
            ))}
          </div>
        )}
      </div>
      {shown.length === 0 ? (
        <EmptyState title="Ingen meldinger" description="Samtalen med kunden vises her." />
      ) : (
        <ol className="flex flex-col gap-3" data-testid="conversation">
          {shown.map((m) => (
            <MessageBubble key={m.id} message={m} />
          ))}
        </ol>
      )}
    </section>
  );
}

function MessageBubble({ message: m }: { message: Message }) {
  const note = m.channel === "note";
  const fromCustomer = m.sender_type === "customer";
  const who = note
    ? "Internt notat"
    : fromCustomer
      ? "Kunde"
      : m.sender_type === "ai"
        ? "AI-svar"
        : m.sender_type === "system"
          ? "Systemmelding"
          : "Selger";
  const Icon = note ? StickyNote : m.sender_type === "ai" ? Bot : m.sender_type === "system" ? Info : UserIcon;
  const fallback = m.sender_type === "ai" && m.metadata?.fallback === true;
  return (
    <li
      data-testid="message"
      data-sender-type={m.sender_type}
      data-channel={m.channel}
      className={cn("flex", fromCustomer || note ? "justify-start" : "justify-end")}
    >
      <article
        aria-label={`${who}, ${CHANNEL_LABEL[m.channel] ?? m.channel}, ${formatDateTime(m.created_at)}`}
        className={cn(
          "max-w-[92%] rounded-xl border px-3 py-2 text-sm md:max-w-[80%]",
          note && "w-full border-amber-300 bg-amber-50",
          !note && fromCustomer && "bg-muted",
          !note && m.sender_type === "ai" && "border-violet-200 bg-violet-50",
          !note && m.sender_type === "human" && "border-sky-200 bg-sky-50",
          !note && m.sender_type === "system" && "border-dashed bg-background",
        )}
      >
        <header className="mb-1 flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
          <Icon className="h-3.5 w-3.5" aria-hidden />
          <span className="font-medium text-foreground">{who}</span>
          <span>{m.sender}</span>
          <Badge variant="outline">{CHANNEL_LABEL[m.channel] ?? m.channel}</Badge>
          {fallback && <Badge variant="warning">Mal</Badge>}
          <time dateTime={m.created_at}>{formatDateTime(m.created_at)}</time>
        </header>
        <p className="whitespace-pre-wrap break-words">{m.message_content}</p>
        <NewContact details={m.metadata?.new_contact} />
        <WhyDetails turn={m.metadata?.turn} />
      </article>
    </li>
  );
}

/**
 * Contact details a repeat inquiry gave that the lead does not have. A merge
 * never changes the lead's own email or phone (anyone who knows a number
 * could redirect the replies); a rep who trusts them copies them in.
 */
function NewContact({ details }: { details: unknown }) {
  if (!details || typeof details !== "object") return null;
  const { email, phone } = details as { email?: unknown; phone?: unknown };
  const items = [
    typeof email === "string" && `e-post ${email}`,
    typeof phone === "string" && `telefon ${phone}`,
  ].filter(Boolean);
  if (items.length === 0) return null;
  return (
    <p data-testid="new-contact" className="mt-2 rounded-md border border-amber-300 bg-amber-50 px-2 py-1 text-xs">
      Nye kontaktopplysninger i denne henvendelsen: {items.join(", ")}. Ikke lagt på leadet – sjekk med kunden før
      du bruker dem.
    </p>
  );
}

const INTENT_TEXT: Record<string, string> = {
  question: "spørsmål",
  test_drive: "vil prøvekjøre eller se bilen",
  booking_time: "foreslår et tidspunkt",
  price: "pris eller tilbud",
  financing: "finansiering",
  trade_in: "innbytte",
  asked_for_person: "vil snakke med en person",
  complaint: "klage",
  not_interested: "ikke interessert",
  thanks: "takk",
  other: "annet",
};

const LANGUAGE_TEXT: Record<string, string> = {
  bokmal: "bokmål",
  nynorsk: "nynorsk",
  english: "engelsk",
};

/**
 * "Hvorfor?": what the AI read in the customer's message, what it drew on,
 * how the guardrails judged its answer, and whether it handed over.
 */
function WhyDetails({ turn }: { turn: unknown }) {
  if (!turn || typeof turn !== "object") return null;
  const t = turn as {
    intent?: string;
    language?: string;
    mode?: string;
    proposed_time?: string;
    facts?: { vehicles?: string[]; open_now?: boolean; next_opening?: string | null };
    guardrail?: { passed?: boolean; rejected?: string[]; rejected_before?: string[] } | null;
    handover?: { reason?: string; by?: string; detail?: string | null } | null;
    model?: { model?: string; input_tokens?: number; output_tokens?: number; attempt?: number };
  };
  const rejected = [...(t.guardrail?.rejected_before ?? []), ...(t.guardrail?.rejected ?? [])];
  return (
    <details className="mt-2 text-xs" data-testid="why">
      <summary className="cursor-pointer text-muted-foreground">Hvorfor?</summary>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        {t.intent && (
          <>
            <dt className="font-medium">Kunden</dt>
            <dd>{INTENT_TEXT[t.intent] ?? t.intent}</dd>
          </>
        )}
        {t.language && (
          <>
            <dt className="font-medium">Språk</dt>
            <dd>{LANGUAGE_TEXT[t.language] ?? t.language}</dd>
          </>
        )}
        {t.proposed_time && (
          <>
            <dt className="font-medium">Foreslått tid</dt>
            <dd>{t.proposed_time.replace("T", " kl. ")}</dd>
          </>
        )}
        <dt className="font-medium">Brukte fakta</dt>
        <dd>
          {t.facts?.vehicles?.length ? t.facts.vehicles.join("; ") : "ingen biler fra lageret"}
          {t.facts?.open_now === false && t.facts.next_opening ? ` · stengt, åpner ${t.facts.next_opening}` : ""}
          {t.facts?.open_now ? " · åpent nå" : ""}
        </dd>
        <dt className="font-medium">Sjekk</dt>
        <dd>
          {t.guardrail?.passed ? "bestått" : "ikke bestått"}
          {rejected.length ? ` (avvist først: ${rejected.join("; ")})` : ""}
        </dd>
        <dt className="font-medium">Overlevering</dt>
        <dd>
          {t.handover?.reason
            ? `${HANDOVER_LABEL[t.handover.reason as HandoverReason] ?? t.handover.reason}${t.handover.by === "model" ? " (AI-ens vurdering)" : " (regel)"}`
            : "nei"}
        </dd>
        {t.model?.model && (
          <>
            <dt className="font-medium">Modell</dt>
            <dd>
              {t.model.model} · {t.model.input_tokens ?? 0}+{t.model.output_tokens ?? 0} tokens · forsøk {t.model.attempt ?? 1}
            </dd>
          </>
        )}
      </dl>
    </details>
  );
}
