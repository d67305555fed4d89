"use client";

import * as React from "react";

import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useSession } from "@/lib/session";
import type { NotificationPreferences, User } from "@/lib/types";
import { useAction } from "@/lib/use-action";

const CHOICES: { key: keyof NotificationPreferences; label: string }[] = [
  { key: "new_lead_email", label: "Nye leads til meg (e-post)" },
  { key: "customer_reply_email", label: "Kunden svarer på et av mine leads (e-post)" },
  { key: "escalation_email", label: "Et lead passerer svarfristen (e-post)" },
  { key: "daily_summary", label: "Morgenoppsummering av gårsdagen (e-post)" },
];

/** What a user chooses for themself: which events email them, and whether they are away. */
export function MyNotices() {
  const { api, me } = useSession();
  const user = me.user;
  const [prefs, setPrefs] = React.useState<NotificationPreferences | undefined>(user?.notification_preferences);
  const [away, setAway] = React.useState(!!user?.away);
  const [saved, setSaved] = React.useState("");
  const action = useAction();
  if (!user || !prefs) return <p className="text-sm text-muted-foreground">Du har ingen brukerprofil hos forhandleren ennå.</p>;
  return (
    <form
      className="flex max-w-xl flex-col gap-4"
      aria-labelledby="my-notices-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved("");
        const next = await action.run(() => api.patch<User>("/api/me", { notification_preferences: prefs, away }));
        if (next) setSaved("Lagret.");
      }}
    >
      <h2 id="my-notices-title" className="text-lg font-semibold">
        Mine varsler
      </h2>
      {CHOICES.map(({ key, label }) => (
        <div key={key} className="flex items-center justify-between gap-4">
          <Label htmlFor={`pref-${key}`}>{label}</Label>
          <Switch id={`pref-${key}`} checked={!!prefs[key]} onCheckedChange={(on) => setPrefs({ ...prefs, [key]: on })} />
        </div>
      ))}
      <div className="flex items-center justify-between gap-4 border-t pt-4">
        <Label htmlFor="pref-away">Jeg er borte (ferie, syk): ingen nye leads eller eskaleringer til meg</Label>
        <Switch id="pref-away" checked={away} onCheckedChange={setAway} />
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={action.busy}>
          {action.busy ? "Lagrer …" : "Lagre"}
        </Button>
        <span className="text-sm text-muted-foreground" aria-live="polite">
          {saved}
        </span>
      </div>
      <InlineError error={action.error} />
    </form>
  );
}
