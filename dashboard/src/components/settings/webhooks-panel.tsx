"use client";

import * as React from "react";

import { ErrorState, InlineError, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { TextField } from "@/components/ui/field";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";
import { useResource } from "@/lib/use-resource";

import { CopyButton } from "./copy-button";

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

interface EndpointView extends WebhookEndpoint {
  secret: string | null;
}

interface WebhookDelivery {
  id: string;
  event_type: string;
  status: "pending" | "retrying" | "succeeded" | "failed" | "gone";
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  next_attempt_at: string | null;
}

export const EVENT_LABEL: Record<string, string> = {
  "lead.created": "Nytt lead",
  "lead.updated": "Lead endret",
  "message.created": "Ny melding",
  "appointment.booked": "Avtale booket",
  "appointment.changed": "Avtale endret",
};

const STATUS_LABEL: Record<WebhookDelivery["status"], string> = {
  pending: "Venter",
  retrying: "Prøver igjen",
  succeeded: "Levert",
  failed: "Feilet",
  gone: "410 Gone",
};

/** Signed webhooks to the dealership's own systems (DMS, CRM): the
 * endpoints, a signing secret shown once, and each endpoint's delivery log
 * with "send again". */
export function WebhooksPanel() {
  const { api } = useSession();
  const endpoints = useResource<{ items: WebhookEndpoint[] }>("/api/webhooks");
  const { busy, error, run } = useAction();
  const [secret, setSecret] = React.useState<{ id: string; value: string } | null>(null);
  const [open, setOpen] = React.useState<string | null>(null);
  const replace = (e: WebhookEndpoint) =>
    endpoints.setData((d) => ({ items: (d?.items ?? []).map((x) => (x.id === e.id ? e : x)) }));

  async function create(form: HTMLFormElement) {
    const f = new FormData(form);
    const events = Object.keys(EVENT_LABEL).filter((e) => f.get(`event-${e}`) === "on");
    const made = await run(() => api.post<EndpointView>("/api/webhooks", { url: String(f.get("url") ?? "").trim(), events }));
    if (made) {
      endpoints.setData((d) => ({ items: [...(d?.items ?? []), made] }));
      setSecret(made.secret ? { id: made.id, value: made.secret } : null);
      form.reset();
    }
  }
  async function update(e: WebhookEndpoint, patch: Record<string, unknown>) {
    const changed = await run(() => api.patch<EndpointView>(`/api/webhooks/${e.id}`, patch));
    if (changed) {
      replace(changed);
      if (changed.secret) setSecret({ id: changed.id, value: changed.secret });
    }
  }
  async function remove(e: WebhookEndpoint) {
    if (!window.confirm(`Slette mottakeren ${e.url}? Den får ingen flere hendelser.`)) return;
    const done = await run(async () => {
      await api.delete(`/api/webhooks/${e.id}`);
      return true;
    });
    if (done) endpoints.setData((d) => ({ items: (d?.items ?? []).filter((x) => x.id !== e.id) }));
  }

  if (endpoints.loading && !endpoints.data) return <LoadingState />;
  if (endpoints.error && !endpoints.data) return <ErrorState error={endpoints.error} onRetry={endpoints.reload} />;
  const items = endpoints.data?.items ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Webhooks</CardTitle>
        <CardDescription>
          Send leads, meldinger og avtaler til egne systemer (DMS, CRM). Hver hendelse signeres etter Standard Webhooks; feilede leveranser prøves igjen i opptil tre døgn.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4" data-testid="webhooks">
        <InlineError error={error} />
        {items.length === 0 && <p className="text-sm text-muted-foreground">Ingen mottakere ennå.</p>}
        <ul className="flex flex-col gap-3" aria-label="Webhook-mottakere">
          {items.map((e) => (
            <li key={e.id} className="flex flex-col gap-2 rounded-md border p-3 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="break-all font-mono">{e.url}</span>
                {e.enabled ? <Badge variant="secondary">Aktiv</Badge> : <Badge variant="outline">Av: {e.disabled_reason ?? "slått av"}</Badge>}
              </div>
              <p className="text-muted-foreground">{e.events.map((x) => EVENT_LABEL[x] ?? x).join(", ")}</p>
              {secret?.id === e.id && (
                <div className="flex flex-col gap-1.5">
                  <Label htmlFor={`secret-${e.id}`}>Signeringsnøkkel (vises bare nå)</Label>
                  <div className="flex gap-2">
                    <Input id={`secret-${e.id}`} readOnly value={secret.value} className="font-mono" />
                    <CopyButton value={secret.value} label="Kopier nøkkelen" />
                  </div>
                </div>
              )}
              <div className="flex flex-wrap gap-2">
                <Button variant="outline" size="sm" disabled={busy} onClick={() => update(e, { enabled: !e.enabled })}>
                  {e.enabled ? "Slå av" : "Slå på"}
                </Button>
                <Button variant="outline" size="sm" disabled={busy} onClick={() => update(e, { rotate_secret: true })}>
                  Ny signeringsnøkkel
                </Button>
                <Button variant="outline" size="sm" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                  Leveranser
                </Button>
                <Button variant="outline" size="sm" disabled={busy} onClick={() => remove(e)}>
                  Slett
                </Button>
              </div>
              {open === e.id && <DeliveryLog endpoint={e} />}
            </li>
          ))}
        </ul>
        <form
          className="flex flex-col gap-3 border-t pt-3"
          onSubmit={(ev) => {
            ev.preventDefault();
            void create(ev.currentTarget);
          }}
        >
          <TextField idPrefix="wh" label="Mottakerens URL (https)" name="url" type="url" required placeholder="https://dms.eksempel.no/norvalt" />
          <fieldset className="flex flex-wrap gap-4">
            <legend className="mb-1 text-sm font-medium">Hendelser</legend>
            {Object.entries(EVENT_LABEL).map(([value, label]) => (
              <label key={value} className="flex items-center gap-2 text-sm">
                <input type="checkbox" name={`event-${value}`} defaultChecked />
                {label}
              </label>
            ))}
          </fieldset>
          <div>
            <Button type="submit" disabled={busy}>
              Legg til mottaker
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

function DeliveryLog({ endpoint }: { endpoint: WebhookEndpoint }) {
  const { api } = useSession();
  const log = useResource<{ items: WebhookDelivery[] }>(`/api/webhooks/${endpoint.id}/deliveries`);
  const { busy, error, run } = useAction();
  async function resend(d: WebhookDelivery) {
    const again = await run(() => api.post<WebhookDelivery>(`/api/webhooks/${endpoint.id}/deliveries/${d.id}/resend`));
    if (again) log.setData((l) => ({ items: [again, ...(l?.items ?? [])] }));
  }
  if (log.loading && !log.data) return <LoadingState />;
  if (log.error && !log.data) return <ErrorState error={log.error} onRetry={log.reload} />;
  const items = log.data?.items ?? [];
  return (
    <div className="flex flex-col gap-2">
      <InlineError error={error} />
      {items.length === 0 ? (
        <p className="text-muted-foreground">Ingen leveranser de siste 30 dagene.</p>
      ) : (
        <Table aria-label={`Leveranser til ${endpoint.url}`}>
          <TableHeader>
            <TableRow>
              <TableHead>Tid</TableHead>
              <TableHead>Hendelse</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Forsøk</TableHead>
              <TableHead>Svar</TableHead>
              <TableHead>
                <span className="sr-only">Handling</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((d) => (
              <TableRow key={d.id}>
                <TableCell>{formatDateTime(d.created_at)}</TableCell>
                <TableCell>{EVENT_LABEL[d.event_type] ?? d.event_type}</TableCell>
                <TableCell>
                  {STATUS_LABEL[d.status]}
                  {d.status === "retrying" && d.next_attempt_at ? ` (neste ${formatDateTime(d.next_attempt_at)})` : ""}
                </TableCell>
                <TableCell>{d.attempts}</TableCell>
                <TableCell>{d.last_status_code ?? d.last_error ?? "–"}</TableCell>
                <TableCell>
                  <Button variant="outline" size="sm" disabled={busy || !endpoint.enabled} onClick={() => resend(d)}>
                    Send på nytt
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
