"use client";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";

import { SaveBar, type Settings, text, useSaveSettings } from "./save";

type Props = { settings: Settings; onSaved: (s: Settings) => void };

/** Each new lead as an ADF 1.0 email to the dealer management system. */
export function AdfCard({ settings, onSaved }: Props) {
  const { save, ...state } = useSaveSettings(onSaved);
  return (
    <Card>
      <CardHeader>
        <CardTitle>ADF til forhandlersystemet</CardTitle>
        <CardDescription>
          Hvert nye lead sendes som ADF/XML på e-post til denne adressen – formatet de fleste forhandlersystemer (DMS) importerer. Tomt felt: ingen ADF.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="flex flex-col gap-3"
          data-testid="adf"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ adf_email: text(new FormData(e.currentTarget), "adf_email") });
          }}
        >
          <TextField idPrefix="adf" label="Importadresse (e-post)" name="adf_email" type="email" defaultValue={settings.dealership.adf_email ?? ""} placeholder="leads@dms.eksempel.no" />
          <SaveBar {...state} />
        </form>
      </CardContent>
    </Card>
  );
}
