"use client";

import * as React from "react";

import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";
import type { Dealership } from "@/lib/types";

export interface ConversationSettings {
  mode: "auto" | "draft" | "off";
  debounce_secs: number;
  max_ai_turns: number;
  handover: Record<string, boolean>;
  send_handover_message: boolean;
  handover_message: string | null;
  language: "bokmal" | "nynorsk";
}

export interface BookingSettings {
  enabled: boolean;
  types: { kind: string; duration_minutes: number; capacity: number; lead_minutes: number }[];
  horizon_days: number;
}

export interface Settings {
  dealership: Dealership & {
    branding?: { logo_url: string | null; brand_colour: string | null };
    opening_hours: { day: string; opens: string; closes: string }[];
    opening_exceptions?: { date: string; opens: string | null; closes: string | null; note: string | null }[];
    capture?: { allowed_origins: string[]; facebook_pages: string[]; conversions_pages?: string[]; thank_you_url: string | null; google_key_hash?: string | null; imap: { host: string; port: number; tls: boolean; username: string; mailbox?: string } | null };
    reply?: { sms_enabled: boolean; sms_number: string | null; sender_name: string | null; signature: string | null; tone: string | null; notify_emails: string[] };
    conversation?: ConversationSettings;
    adf_email?: string | null;
    inventory_feed?: { url: string; format: "csv" | "xml" | null; mapping: Record<string, string> } | null;
    booking?: BookingSettings;
  };
  form_url: string;
  embed_snippet: string;
  /** Where the dealership's Google Ads lead forms post. */
  google_webhook_url: string;
  /** A new Google key, only in the answer to the change that made it. */
  google_key?: string | null;
}

/** PATCHes the dealership's settings and reports how it went. */
export function useSaveSettings(onSaved: (s: Settings) => void) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const [saved, setSaved] = React.useState(false);
  const save = React.useCallback(
    async (patch: Record<string, unknown>) => {
      setSaved(false);
      const settings = await run(() => api.patch<Settings>("/api/dealership", patch));
      if (settings) {
        onSaved(settings);
        setSaved(true);
      }
    },
    [api, onSaved, run],
  );
  return { save, error, busy, saved };
}

export function SaveBar({ busy, error, saved, label = "Lagre" }: { busy: boolean; error: unknown; saved: boolean; label?: string }) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Button type="submit" disabled={busy}>
        {busy ? "Lagrer …" : label}
      </Button>
      <span className="text-sm text-emerald-800" aria-live="polite">
        {saved ? "Lagret." : ""}
      </span>
      <InlineError error={error} />
    </div>
  );
}

export const text = (f: FormData, k: string) => String(f.get(k) ?? "").trim() || null;
