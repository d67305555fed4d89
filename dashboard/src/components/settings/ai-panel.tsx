"use client";

import * as React from "react";

import { type Settings, SaveBar, text, useSaveSettings } from "@/components/settings/save";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";
import { NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { CONVERSATION_MODE_LABEL, HANDOVER_LABEL } from "@/lib/labels";
import type { ConversationMode, HandoverReason } from "@/lib/types";

const MODE_HELP: Record<ConversationMode, string> = {
  auto: "AI-en svarer kunden selv, innenfor de samme reglene som første svar.",
  draft: "AI-en skriver et utkast som en selger sender med ett klikk, eller endrer.",
  off: "AI-en skriver bare første svar; alt etter det er for en selger.",
};

/** Handover triggers a dealership may turn off (the model failing always hands over). */
const TRIGGERS: HandoverReason[] = [
  "asked_for_person",
  "price",
  "financing",
  "trade_in",
  "complaint",
  "appointment",
  "no_progress",
  "model_asked",
];

/** How the AI carries conversations after its first reply, and booking. */
export function AiPanel({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const c = settings.dealership.conversation;
  const b = settings.dealership.booking;
  const { save, ...state } = useSaveSettings(onSaved);
  if (!c || !b) return null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>AI-samtaler og booking</CardTitle>
        <CardDescription>
          Hva AI-en gjør når kunden svarer, når en selger skal ta over, og om kunder kan booke prøvekjøring selv.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid gap-4 md:grid-cols-2"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const handover = Object.fromEntries(TRIGGERS.map((t) => [t, f.get(`trigger-${t}`) === "on"]));
            void save({
              conversation: {
                mode: String(f.get("mode")),
                debounce_secs: Number(f.get("debounce_secs")),
                max_ai_turns: Number(f.get("max_ai_turns")),
                handover,
                send_handover_message: f.get("send_handover_message") === "on",
                handover_message: text(f, "handover_message"),
                language: String(f.get("language")),
              },
              booking: { ...b, enabled: f.get("booking_enabled") === "on", horizon_days: Number(f.get("horizon_days")) },
            });
          }}
        >
          <fieldset className="flex flex-col gap-2 md:col-span-2">
            <legend className="mb-1 text-sm font-medium">Når kunden svarer</legend>
            {(Object.keys(CONVERSATION_MODE_LABEL) as ConversationMode[]).map((mode) => (
              <label key={mode} className="flex items-start gap-2 text-sm">
                <input type="radio" name="mode" value={mode} defaultChecked={c.mode === mode} className="mt-1" />
                <span>
                  <span className="font-medium">{CONVERSATION_MODE_LABEL[mode]}</span>
                  <span className="block text-muted-foreground">{MODE_HELP[mode]}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <TextField idPrefix="ai" label="Vent på flere meldinger (sekunder)" name="debounce_secs" type="number" min={0} max={600} defaultValue={c.debounce_secs} />
          <TextField idPrefix="ai" label="Gi til selger etter så mange AI-svar på rad" name="max_ai_turns" type="number" min={1} max={20} defaultValue={c.max_ai_turns} />
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="ai-language">Skriftspråk</Label>
            <NativeSelect id="ai-language" name="language" defaultValue={c.language}>
              <option value="bokmal">Bokmål</option>
              <option value="nynorsk">Nynorsk</option>
            </NativeSelect>
          </div>
          <fieldset className="flex flex-col gap-1 md:col-span-2">
            <legend className="mb-1 text-sm font-medium">Gi samtalen til en selger når …</legend>
            {TRIGGERS.map((t) => (
              <label key={t} className="flex items-center gap-2 text-sm">
                <input type="checkbox" name={`trigger-${t}`} defaultChecked={c.handover[t] !== false} />
                {HANDOVER_LABEL[t]}
              </label>
            ))}
          </fieldset>
          <label className="flex items-center gap-2 text-sm md:col-span-2">
            <input type="checkbox" name="send_handover_message" defaultChecked={c.send_handover_message} />
            Fortell kunden at en selger tar kontakt (når AI-en svarer selv)
          </label>
          <div className="flex flex-col gap-1.5 md:col-span-2">
            <Label htmlFor="ai-handover-message">Egen melding ved overlevering (valgfri)</Label>
            <Textarea
              id="ai-handover-message"
              name="handover_message"
              rows={2}
              placeholder="Tomt: «en av selgerne våre tar kontakt med deg snart» eller når dere åpner"
              defaultValue={c.handover_message ?? ""}
            />
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="booking_enabled" defaultChecked={b.enabled} />
            Kunder og AI-en kan booke tider
          </label>
          <TextField idPrefix="ai" label="Tider så mange dager fram" name="horizon_days" type="number" min={1} max={60} defaultValue={b.horizon_days} />
          <div className="md:col-span-2">
            <SaveBar {...state} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
