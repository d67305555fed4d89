"use client";

import { Pencil, Plus } from "lucide-react";
import { useSearchParams } from "next/navigation";
import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { FeedImport } from "@/components/inventory/feed-import";
import { EmptyState, ErrorState, InlineError, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFormFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatNok, formatNumber } from "@/lib/format";
import { FUEL_LABEL, VEHICLE_STATUS_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";
import type { FuelType, Page, Vehicle, VehicleStatus } from "@/lib/types";
import { cn } from "@/lib/utils";

const STATUSES = Object.keys(VEHICLE_STATUS_LABEL) as VehicleStatus[];
const FUELS = Object.keys(FUEL_LABEL) as FuelType[];

function Inventory() {
  const { api, canManage } = useSession();
  const highlight = useSearchParams().get("vehicle");
  const [status, setStatus] = React.useState("");
  const [vehicles, setVehicles] = React.useState<Vehicle[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [loading, setLoading] = React.useState(true);
  const [error, setError] = React.useState<unknown>(null);
  const [available, setAvailable] = React.useState<number | null>(null);
  const [editing, setEditing] = React.useState<Vehicle | "new" | null>(null);
  const [attempt, setAttempt] = React.useState(0);

  const load = React.useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const page = await api.get<Page<Vehicle>>("/api/vehicles", { status: status || undefined, limit: 50, cursor: after });
        setVehicles((v) => (after ? [...v, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [api, status],
  );

  React.useEffect(() => {
    void load(null);
  }, [load, attempt]);

  // The number available for sale, over every page.
  React.useEffect(() => {
    let live = true;
    (async () => {
      let count = 0;
      let after: string | null = null;
      for (let i = 0; i < 50; i++) {
        const page: Page<Vehicle> = await api.get<Page<Vehicle>>("/api/vehicles/available", { limit: 100, cursor: after });
        count += page.items.length;
        after = page.next_cursor;
        if (!after) break;
      }
      if (live) setAvailable(count);
    })().catch(() => live && setAvailable(null));
    return () => {
      live = false;
    };
  }, [api, attempt]);

  async function markSold(v: Vehicle) {
    try {
      const updated = await api.patch<Vehicle>(`/api/vehicles/${v.id}`, { status: "sold" });
      setVehicles((all) => all.map((x) => (x.id === v.id ? updated : x)));
      setAttempt((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <>
      <PageHeader
        title="Lager"
        description={available == null ? "Bilene forhandleren har." : `${formatNumber(available)} biler tilgjengelig for salg.`}
        actions={
          canManage && (
            <Button onClick={() => setEditing("new")}>
              <Plus aria-hidden /> Legg til bil
            </Button>
          )
        }
      />
      {canManage && <FeedImport onImported={() => setAttempt((n) => n + 1)} />}
      <div className="mb-4 flex max-w-xs flex-col gap-1.5">
        <Label htmlFor="vehicle-status">Status</Label>
        <NativeSelect id="vehicle-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Alle</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {VEHICLE_STATUS_LABEL[s]}
            </option>
          ))}
        </NativeSelect>
      </div>
      {error ? <ErrorState className="mb-3" error={error} onRetry={() => setAttempt((n) => n + 1)} /> : null}
      {loading && vehicles.length === 0 && <LoadingState label="Henter biler …" />}
      {!loading && !error && vehicles.length === 0 && (
        <EmptyState title="Ingen biler" description={status ? "Ingen biler med denne statusen." : "Legg inn bilene dere har på lager."} />
      )}
      {vehicles.length > 0 && (
        <Table aria-label="Biler">
          <TableHeader>
            <TableRow>
              <TableHead>Bil</TableHead>
              <TableHead>År</TableHead>
              <TableHead>Drivstoff</TableHead>
              <TableHead className="text-right">Km</TableHead>
              <TableHead className="text-right">Pris</TableHead>
              <TableHead>Status</TableHead>
              {canManage && <TableHead>Handlinger</TableHead>}
            </TableRow>
          </TableHeader>
          <TableBody>
            {vehicles.map((v) => (
              <TableRow key={v.id} data-testid="vehicle-row" className={cn(highlight === v.id && "bg-amber-50")}>
                <TableCell className="font-medium">
                  {v.listing_url ? (
                    <a className="text-primary underline-offset-4 hover:underline" href={v.listing_url} target="_blank" rel="noreferrer">
                      {v.make} {v.model}
                    </a>
                  ) : (
                    `${v.make} ${v.model}`
                  )}
                </TableCell>
                <TableCell>{v.year ?? "–"}</TableCell>
                <TableCell>{v.fuel_type ? FUEL_LABEL[v.fuel_type] : "–"}</TableCell>
                <TableCell className="text-right">{formatNumber(v.mileage)}</TableCell>
                <TableCell className="text-right">{formatNok(v.price)}</TableCell>
                <TableCell>
                  <Badge variant={v.status === "available" ? "success" : v.status === "sold" ? "outline" : "warning"}>
                    {VEHICLE_STATUS_LABEL[v.status]}
                  </Badge>
                </TableCell>
                {canManage && (
                  <TableCell>
                    <div className="flex gap-1">
                      <Button variant="ghost" size="sm" onClick={() => setEditing(v)} aria-label={`Endre ${v.make} ${v.model}`}>
                        <Pencil aria-hidden />
                      </Button>
                      {v.status !== "sold" && (
                        <Button variant="outline" size="sm" onClick={() => markSold(v)}>
                          Marker solgt
                        </Button>
                      )}
                    </div>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {cursor && (
        <div className="mt-4 flex justify-center">
          <Button variant="outline" onClick={() => load(cursor)} disabled={loading}>
            {loading ? "Henter …" : "Vis flere"}
          </Button>
        </div>
      )}
      {editing && (
        <VehicleDialog
          vehicle={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setAttempt((n) => n + 1);
          }}
        />
      )}
    </>
  );
}

function VehicleDialog({ vehicle, onClose, onSaved }: { vehicle: Vehicle | null; onClose: () => void; onSaved: () => void }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? "").trim() || null;
    const num = (k: string) => (text(k) == null ? null : Number(String(text(k)).replace(/\s/g, "").replace(",", ".")));
    const body = {
      make: text("make") ?? "",
      model: text("model") ?? "",
      year: num("year"),
      price: num("price"),
      mileage: num("mileage"),
      fuel_type: text("fuel_type"),
      status: text("status") ?? "available",
      vin: text("vin"),
      listing_url: text("listing_url"),
    };
    const saved = await run(() => (vehicle ? api.patch(`/api/vehicles/${vehicle.id}`, body) : api.post("/api/vehicles", body)));
    if (saved !== undefined) onSaved();
  }
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{vehicle ? "Endre bil" : "Legg til bil"}</DialogTitle>
          <DialogDescription>Biler på lager brukes i svarene til kundene.</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} className="grid grid-cols-2 gap-3">
          <TextField idPrefix="v" label="Merke" name="make" defaultValue={vehicle?.make} required />
          <TextField idPrefix="v" label="Modell" name="model" defaultValue={vehicle?.model} required />
          <TextField idPrefix="v" label="Årsmodell" name="year" inputMode="numeric" defaultValue={vehicle?.year ?? ""} />
          <TextField idPrefix="v" label="Pris (kr)" name="price" inputMode="decimal" defaultValue={vehicle?.price ?? ""} />
          <TextField idPrefix="v" label="Kilometerstand" name="mileage" inputMode="numeric" defaultValue={vehicle?.mileage ?? ""} />
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="v-fuel_type">Drivstoff</Label>
            <NativeSelect id="v-fuel_type" name="fuel_type" defaultValue={vehicle?.fuel_type ?? ""}>
              <option value="">Ikke oppgitt</option>
              {FUELS.map((x) => (
                <option key={x} value={x}>
                  {FUEL_LABEL[x]}
                </option>
              ))}
            </NativeSelect>
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="v-status">Status</Label>
            <NativeSelect id="v-status" name="status" defaultValue={vehicle?.status ?? "available"}>
              {STATUSES.map((x) => (
                <option key={x} value={x}>
                  {VEHICLE_STATUS_LABEL[x]}
                </option>
              ))}
            </NativeSelect>
          </div>
          <TextField idPrefix="v" label="Understellsnr. (VIN)" name="vin" defaultValue={vehicle?.vin ?? ""} />
          <div className="col-span-2">
            <TextField idPrefix="v" label="Annonselenke" name="listing_url" type="url" defaultValue={vehicle?.listing_url ?? ""} />
          </div>
          <div className="col-span-2">
            <InlineError error={error} />
          </div>
          <DialogFormFooter className="col-span-2" busy={busy} onCancel={onClose} />
        </form>
      </DialogContent>
    </Dialog>
  );
}

export default function InventoryPage() {
  return (
    <React.Suspense fallback={<LoadingState />}>
      <Inventory />
    </React.Suspense>
  );
}
