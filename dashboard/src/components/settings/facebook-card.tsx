"use client";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/input";
import { TextField } from "@/components/ui/field";
import { Label } from "@/components/ui/label";
import { InlineError } from "@/components/states";

import { type Settings, text, useSaveSettings } from "./save";

type Props = { settings: Settings; onSaved: (s: Settings) => void };

/** The Facebook pages whose Lead Ads come in, and the pages whose leads'
 * stages go back to Meta's Conversions API (so the ads learn which forms
 * bring buyers). */
export function FacebookCard({ settings, onSaved }: Props) {
  const pages = settings.dealership.capture?.facebook_pages ?? [];
  const sending = settings.dealership.capture?.conversions_pages ?? [];
  const fb = useSaveSettings(onSaved);
  const capi = useSaveSettings(onSaved);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Facebook-sider</CardTitle>
        <CardDescription>Leads fra Facebook Lead Ads på disse sidene kommer rett inn.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <ul className="flex flex-col gap-2" aria-label="Tilkoblede sider">
          {pages.length === 0 && <li className="text-sm text-muted-foreground">Ingen sider er koblet til.</li>}
          {pages.map((page) => (
            <li key={page} className="flex flex-wrap items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm">
              <span className="flex items-center gap-2">
                <span className="font-mono">{page}</span>
                {sending.includes(page) && <Badge variant="secondary">Sender lead-steg til Meta</Badge>}
              </span>
              <span className="flex gap-2">
                {sending.includes(page) && (
                  <Button variant="outline" size="sm" onClick={() => capi.save({ disconnect_conversions_api: page })}>
                    Stopp lead-steg
                  </Button>
                )}
                <Button variant="outline" size="sm" onClick={() => fb.save({ disconnect_facebook_page: page })}>
                  Koble fra
                </Button>
              </span>
            </li>
          ))}
        </ul>
        <form
          className="grid gap-2 md:grid-cols-[1fr_1fr_auto] md:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            void fb.save({ connect_facebook_page: { page_id: text(f, "page_id"), access_token: text(f, "access_token") } });
          }}
        >
          <TextField idPrefix="s" label="Side-ID" name="page_id" required inputMode="numeric" />
          <TextField idPrefix="s" label="Sidetilgangstoken" name="access_token" type="password" autoComplete="off" />
          <Button type="submit" disabled={fb.busy}>
            Koble til
          </Button>
        </form>
        <InlineError error={fb.error} />
        {pages.length > 0 && (
          <form
            data-testid="conversions-api"
            className="grid gap-2 border-t pt-3 md:grid-cols-[1fr_1fr_1fr_auto] md:items-end"
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              void capi.save({
                connect_conversions_api: { page_id: text(f, "capi_page"), dataset_id: text(f, "dataset_id") ?? "", access_token: text(f, "dataset_token") ?? "" },
              });
            }}
          >
            <p className="text-sm text-muted-foreground md:col-span-4">
              Send lead-stegene (ny, kontaktet, kvalifisert, booket, solgt, tapt) tilbake til Meta, så annonsene optimaliseres for leads som kjøper. Datasett-ID og token lages i Meta Events Manager.
            </p>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="s-capi-page">Side</Label>
              <NativeSelect id="s-capi-page" name="capi_page" defaultValue={pages[0]}>
                {pages.map((page) => (
                  <option key={page} value={page}>
                    {page}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <TextField idPrefix="s" label="Datasett-ID" name="dataset_id" required inputMode="numeric" />
            <TextField idPrefix="s" label="Conversions API-token" name="dataset_token" type="password" autoComplete="off" required />
            <Button type="submit" disabled={capi.busy}>
              Send lead-steg
            </Button>
          </form>
        )}
        <InlineError error={capi.error} />
      </CardContent>
    </Card>
  );
}
