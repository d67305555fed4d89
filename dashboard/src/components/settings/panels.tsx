"use client";

import * as React from "react";

import { ErrorState, InlineError, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { TextField } from "@/components/ui/field";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { ROLE_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import type { Page, Role, User } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

import { CopyButton } from "./copy-button";
import { FacebookCard } from "./facebook-card";
import { SaveBar, type Settings, text, useSaveSettings } from "./save";

type Props = { settings: Settings; onSaved: (s: Settings) => void };

export function ProfilePanel({ settings, onSaved }: Props) {
  const d = settings.dealership;
  const { save, ...state } = useSaveSettings(onSaved);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Forhandler</CardTitle>
        <CardDescription>Navn og kontaktinfo brukes i svarene til kundene.</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid gap-3 md:grid-cols-2"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            void save({
              name: text(f, "name"),
              email: text(f, "email"),
              phone: text(f, "phone"),
              address: text(f, "address"),
              branding: { logo_url: text(f, "logo_url"), brand_colour: text(f, "brand_colour") },
              reply: { sender_name: text(f, "sender_name"), signature: text(f, "signature"), tone: text(f, "tone") },
            });
          }}
        >
          <TextField idPrefix="s" label="Navn" name="name" defaultValue={d.name} required />
          <TextField idPrefix="s" label="E-post" name="email" type="email" defaultValue={d.email} required />
          <TextField idPrefix="s" label="Telefon" name="phone" defaultValue={d.phone ?? ""} />
          <TextField idPrefix="s" label="Adresse" name="address" defaultValue={d.address ?? ""} />
          <TextField idPrefix="s" label="Logo (URL)" name="logo_url" type="url" defaultValue={d.branding?.logo_url ?? ""} />
          <TextField idPrefix="s" label="Profilfarge" name="brand_colour" placeholder="#1d4ed8" defaultValue={d.branding?.brand_colour ?? ""} />
          <TextField idPrefix="s" label="Avsendernavn" name="sender_name" defaultValue={d.reply?.sender_name ?? ""} />
          <TextField idPrefix="s" label="Tone i svarene" name="tone" placeholder="vennlig og uformell" defaultValue={d.reply?.tone ?? ""} />
          <div className="flex flex-col gap-1.5 md:col-span-2">
            <Label htmlFor="s-signature">Signatur</Label>
            <Textarea id="s-signature" name="signature" rows={3} defaultValue={d.reply?.signature ?? ""} />
          </div>
          <div className="md:col-span-2">
            <SaveBar {...state} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

const DAYS: [string, string][] = [
  ["monday", "Mandag"],
  ["tuesday", "Tirsdag"],
  ["wednesday", "Onsdag"],
  ["thursday", "Torsdag"],
  ["friday", "Fredag"],
  ["saturday", "Lørdag"],
  ["sunday", "Søndag"],
];

/** `10:00:00` as `10:00`, how people write opening hours. */
const hhmm = (time: string | null | undefined) => (time ?? "").slice(0, 5);

export function HoursPanel({ settings, onSaved }: Props) {
  const { save, ...state } = useSaveSettings(onSaved);
  const byDay = new Map(settings.dealership.opening_hours.map((s) => [s.day, s]));
  const exceptions = settings.dealership.opening_exceptions ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Åpningstider</CardTitle>
        <CardDescription>AI-svarene forteller kunden når dere er åpne. Tom rad betyr stengt.</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const hours = DAYS.flatMap(([day]) => {
              const opens = text(f, `${day}-opens`);
              const closes = text(f, `${day}-closes`);
              return opens && closes ? [{ day, opens, closes }] : [];
            });
            const lines = (text(f, "exceptions") ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
            const parsed = lines.map((l) => {
              const [date, time, ...note] = l.split(/\s+/);
              const [opens, closes] = time && time !== "stengt" ? time.split("-") : [null, null];
              return { date, opens: opens ?? null, closes: closes ?? null, note: note.join(" ") || null };
            });
            void save({ opening_hours: hours, opening_exceptions: parsed });
          }}
        >
          <div className="grid gap-2">
            {DAYS.map(([day, label]) => (
              <div key={day} className="grid grid-cols-[6rem_1fr_1fr] items-center gap-2">
                <span className="text-sm">{label}</span>
                <Input aria-label={`${label} åpner`} name={`${day}-opens`} type="time" defaultValue={hhmm(byDay.get(day)?.opens)} />
                <Input aria-label={`${label} stenger`} name={`${day}-closes`} type="time" defaultValue={hhmm(byDay.get(day)?.closes)} />
              </div>
            ))}
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="s-exceptions">Avvik (én per linje: «2026-12-24 10:00-13:00 Julaften» eller «2026-12-25 stengt»)</Label>
            <Textarea
              id="s-exceptions"
              name="exceptions"
              rows={4}
              defaultValue={exceptions.map((x) => `${x.date} ${x.opens && x.closes ? `${hhmm(x.opens)}-${hhmm(x.closes)}` : "stengt"}${x.note ? ` ${x.note}` : ""}`).join("\n")}
            />
          </div>
          <SaveBar {...state} />
        </form>
      </CardContent>
    </Card>
  );
}

/** Google Ads lead forms: the webhook URL and key to paste into each form. */
function GoogleFormsCard({ settings, onSaved }: Props) {
  const { save, error, busy } = useSaveSettings(onSaved);
  const hasKey = Boolean(settings.dealership.capture?.google_key_hash);
  const renew = () =>
    (!hasKey || window.confirm("Lage ny Google-nøkkel? Skjemaene med den gamle slutter å levere leads.")) &&
    save({ regenerate_google_key: true });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Google Ads-skjemaer</CardTitle>
        <CardDescription>
          I skjemaet i Google Ads: lim inn URL-en som webhook og nøkkelen som «Nøkkel». Testleads fra Google besvares og merkes som test.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3" data-testid="google-forms">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="s-google-url">Webhook-URL</Label>
          <div className="flex gap-2">
            <Input id="s-google-url" readOnly value={settings.google_webhook_url} />
            <CopyButton value={settings.google_webhook_url} label="Kopier" />
          </div>
        </div>
        {settings.google_key ? (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="s-google-key">Nøkkel (vises bare nå)</Label>
            <div className="flex gap-2">
              <Input id="s-google-key" readOnly value={settings.google_key} className="font-mono" />
              <CopyButton value={settings.google_key} label="Kopier nøkkelen" />
            </div>
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">{hasKey ? "En nøkkel er laget. Den vises bare da den ble laget." : "Ingen nøkkel ennå: Google-leads blir avvist til du lager en."}</p>
        )}
        <div>
          <Button variant="outline" size="sm" disabled={busy} onClick={renew}>
            {hasKey ? "Ny Google-nøkkel" : "Lag Google-nøkkel"}
          </Button>
        </div>
        <InlineError error={error} />
      </CardContent>
    </Card>
  );
}

export function ChannelsPanel({ settings, onSaved }: Props) {
  const d = settings.dealership;
  const { save, ...state } = useSaveSettings(onSaved);
  const [sms, setSms] = React.useState(d.reply?.sms_enabled ?? false);
  return (
    <div className="flex flex-col gap-4">
      <Card>
        <CardHeader>
          <CardTitle>Skjema på nettsiden</CardTitle>
          <CardDescription>Lim inn koden på nettsiden, så går henvendelsene rett inn i Norvalt.</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="s-embed">Innebyggingskode</Label>
            <Textarea id="s-embed" readOnly rows={4} value={settings.embed_snippet} className="font-mono text-xs" />
            <div className="flex flex-wrap gap-2">
              <CopyButton value={settings.embed_snippet} label="Kopier koden" />
              <CopyButton value={settings.form_url} label="Kopier skjema-URL" />
              <Button variant="outline" size="sm" onClick={() => window.confirm("Lage ny skjemanøkkel? Den gamle slutter å virke.") && save({ regenerate_form_key: true })}>
                Ny skjemanøkkel
              </Button>
            </div>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="s-inbound">Innkommende e-post for importørleads</Label>
            <div className="flex gap-2">
              <Input id="s-inbound" readOnly value={d.inbound_email} />
              <CopyButton value={d.inbound_email} label="Kopier" />
            </div>
          </div>
        </CardContent>
      </Card>
      <GoogleFormsCard settings={settings} onSaved={onSaved} />
      <Card>
        <CardHeader>
          <CardTitle>Skjema, svar og SMS</CardTitle>
        </CardHeader>
        <CardContent>
          <form
            className="grid gap-3 md:grid-cols-2"
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              const list = (k: string) => (text(f, k) ?? "").split(/[\s,]+/).filter(Boolean);
              void save({
                capture: { allowed_origins: list("allowed_origins"), thank_you_url: text(f, "thank_you_url") },
                reply: { sms_enabled: sms, sms_number: text(f, "sms_number"), notify_emails: list("notify_emails") },
              });
            }}
          >
            <TextField idPrefix="s" label="Tillatte nettsteder (origin)" name="allowed_origins" defaultValue={(d.capture?.allowed_origins ?? []).join(" ")} placeholder="https://www.eksempel.no" />
            <TextField idPrefix="s" label="Takkeside (URL)" name="thank_you_url" type="url" defaultValue={d.capture?.thank_you_url ?? ""} />
            <div className="flex items-center gap-2">
              <Switch id="s-sms" checked={sms} onCheckedChange={setSms} />
              <Label htmlFor="s-sms">Svar leads som bare har telefon med SMS</Label>
            </div>
            <TextField idPrefix="s" label="SMS-avsender (nummer)" name="sms_number" defaultValue={d.reply?.sms_number ?? ""} placeholder="+47 920 00 000" />
            <div className="md:col-span-2">
              <TextField idPrefix="s" label="Varsle også (e-postadresser)" name="notify_emails" defaultValue={(d.reply?.notify_emails ?? []).join(", ")} />
            </div>
            <div className="md:col-span-2">
              <SaveBar {...state} />
            </div>
          </form>
        </CardContent>
      </Card>
      <FacebookCard settings={settings} onSaved={onSaved} />
    </div>
  );
}

export function TeamPanel() {
  const { api, me } = useSession();
  const team = useResource<{ items: User[] }>("/api/users");
  const [error, setError] = React.useState<unknown>(null);
  async function update(user: User, patch: Partial<Pick<User, "role" | "active" | "notification_preferences">>) {
    setError(null);
    try {
      const updated = await api.patch<User>(`/api/users/${user.id}`, patch);
      team.setData((t) => ({ items: (t?.items ?? []).map((u) => (u.id === updated.id ? updated : u)) }));
    } catch (e) {
      setError(e);
    }
  }
  if (team.loading && !team.data) return <LoadingState />;
  if (team.error && !team.data) return <ErrorState error={team.error} onRetry={team.reload} />;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Team og roller</CardTitle>
        <CardDescription>Nye medlemmer inviteres i Clerk-organisasjonen og dukker opp her.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <InlineError error={error} />
        <Table aria-label="Team">
          <TableHeader>
            <TableRow>
              <TableHead>Navn</TableHead>
              <TableHead>Rolle</TableHead>
              <TableHead>Aktiv</TableHead>
              <TableHead>Varsler</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {team.data?.items.map((u) => (
              <TableRow key={u.id}>
                <TableCell>
                  <p className="font-medium">
                    {u.name ?? u.email} {u.id === me.user?.id && <Badge variant="outline">deg</Badge>}
                  </p>
                  <p className="text-xs text-muted-foreground">{u.email}</p>
                </TableCell>
                <TableCell>
                  <NativeSelect aria-label={`Rolle for ${u.name ?? u.email}`} value={u.role} onChange={(e) => update(u, { role: e.target.value as Role })}>
                    {(Object.keys(ROLE_LABEL) as Role[]).map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABEL[r]}
                      </option>
                    ))}
                  </NativeSelect>
                </TableCell>
                <TableCell>
                  <Switch checked={u.active} onCheckedChange={(v) => update(u, { active: v })} aria-label={`${u.name ?? u.email} aktiv`} />
                </TableCell>
                <TableCell>
                  <div className="flex flex-col gap-1 text-xs">
                    {(
                      [
                        ["new_lead_email", "Nye leads på e-post"],
                        ["new_lead_sms", "Nye leads på SMS"],
                        ["daily_summary", "Daglig oppsummering"],
                      ] as const
                    ).map(([key, label]) => (
                      <label key={key} className="flex items-center gap-1.5">
                        <input
                          type="checkbox"
                          checked={u.notification_preferences[key]}
                          onChange={(e) => update(u, { notification_preferences: { ...u.notification_preferences, [key]: e.target.checked } })}
                        />
                        {label}
                      </label>
                    ))}
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

interface AuditEntry {
  id: string;
  at: string;
  action: string;
  actor_clerk_user_id: string;
  actor_user_id: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

const AUDIT_TEXT: Record<string, string> = {
  "dealership.updated": "Innstillinger endret",
  "user.updated": "Bruker endret",
  "gdpr.exported": "Personopplysninger eksportert",
  "gdpr.erased": "Personopplysninger slettet",
};

export function AuditPanel() {
  const { api } = useSession();
  const team = useResource<{ items: User[] }>("/api/users");
  const [items, setItems] = React.useState<AuditEntry[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [state, setState] = React.useState<{ loading: boolean; error: unknown }>({ loading: true, error: null });
  const load = React.useCallback(
    async (after: string | null) => {
      setState({ loading: true, error: null });
      try {
        const page = await api.get<Page<AuditEntry>>("/api/audit", { limit: 50, cursor: after });
        setItems((x) => (after ? [...x, ...page.items] : page.items));
        setCursor(page.next_cursor);
        setState({ loading: false, error: null });
      } catch (error) {
        setState({ loading: false, error });
      }
    },
    [api],
  );
  React.useEffect(() => void load(null), [load]);
  const names = new Map((team.data?.items ?? []).map((u) => [u.id, u.name ?? u.email]));
  return (
    <Card>
      <CardHeader>
        <CardTitle>Logg</CardTitle>
        <CardDescription>Endringer gjort av administratorer. Loggen inneholder aldri personopplysninger.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {state.error ? <ErrorState error={state.error} onRetry={() => load(null)} /> : null}
        {!state.loading && !state.error && items.length === 0 && <p className="text-sm text-muted-foreground">Ingen hendelser ennå.</p>}
        <ul className="divide-y text-sm empty:hidden" aria-label="Logg">
          {items.map((a) => (
            <li key={a.id} className="flex flex-wrap justify-between gap-2 py-2">
              <span>
                <span className="font-medium">{AUDIT_TEXT[a.action] ?? a.action}</span>
                {Array.isArray(a.details?.fields) && <span className="text-muted-foreground"> ({(a.details.fields as string[]).join(", ")})</span>}
              </span>
              <span className="text-muted-foreground">
                {(a.actor_user_id && names.get(a.actor_user_id)) ?? a.actor_clerk_user_id} · {formatDateTime(a.at)}
              </span>
            </li>
          ))}
        </ul>
        {state.loading && <LoadingState />}
        {cursor && !state.loading && (
          <Button variant="outline" size="sm" className="self-center" onClick={() => load(cursor)}>
            Vis flere
          </Button>
        )}
      </CardContent>
    </Card>
  );
}
