"use client";

import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TextField } from "@/components/ui/field";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

import { SaveBar, type Settings, text, useSaveSettings } from "./save";

type Props = { settings: Settings; onSaved: (s: Settings) => void };

/** The columns a feed names differently from the common names. */
const MAPPED: { field: string; label: string }[] = [
  { field: "make", label: "Merke" },
  { field: "model", label: "Modell" },
  { field: "stock_number", label: "Lagernummer" },
  { field: "vin", label: "Chassisnummer" },
  { field: "price", label: "Pris" },
  { field: "year", label: "Årsmodell" },
  { field: "mileage", label: "Kilometerstand" },
];

/** The dealership's stock feed, fetched every hour, and the feed's own
 * column names where the common ones do not find them. */
export function FeedCard({ settings, onSaved }: Props) {
  const feed = settings.dealership.inventory_feed ?? null;
  const { save, ...state } = useSaveSettings(onSaved);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Lagerliste fra nettsiden</CardTitle>
        <CardDescription>
          Adressen til lagerlisten (CSV eller XML) hentes hver time: nye biler legges til, endrede oppdateres, og biler som ikke lenger er med merkes som
          solgt. Tom adresse: ingen henting.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid gap-3 md:grid-cols-2"
          data-testid="inventory-feed"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const url = text(f, "feed_url");
            const mapping = Object.fromEntries(MAPPED.map((m) => [m.field, text(f, `map_${m.field}`)]).filter(([, v]) => v));
            const format = text(f, "feed_format");
            void save({ inventory_feed: url ? { url, format, mapping } : null });
          }}
        >
          <div className="md:col-span-2">
            <TextField idPrefix="feed" label="Adresse (URL)" name="feed_url" type="url" defaultValue={feed?.url ?? ""} placeholder="https://www.eksempel.no/lager.csv" />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="feed-format">Format</Label>
            <NativeSelect id="feed-format" name="feed_format" defaultValue={feed?.format ?? ""}>
              <option value="">Finn ut selv</option>
              <option value="csv">CSV</option>
              <option value="xml">XML</option>
            </NativeSelect>
          </div>
          <p className="text-sm text-muted-foreground md:col-span-2">Kolonnenavn, bare der listen bruker andre navn enn de vanlige:</p>
          {MAPPED.map((m) => (
            <TextField key={m.field} idPrefix="feed" label={m.label} name={`map_${m.field}`} defaultValue={feed?.mapping?.[m.field] ?? ""} />
          ))}
          <div className="md:col-span-2">
            <SaveBar {...state} />
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
