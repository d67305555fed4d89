"use client";

import { Download } from "lucide-react";
import * as React from "react";

import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import { addDays, osloDay, osloMidnight } from "@/lib/format";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";

/** Managers download the leads of a date range as CSV (for Excel), with
 * their conversations if they want them. */
export function ExportButton() {
  const { api, canManage } = useSession();
  const [open, setOpen] = React.useState(false);
  const { busy, error, run } = useAction();
  if (!canManage) return null;
  const today = osloDay(new Date());

  async function download(form: HTMLFormElement) {
    const f = new FormData(form);
    const from = String(f.get("from"));
    const to = String(f.get("to"));
    const blob = await run(() =>
      api.download("/api/leads/export.csv", {
        created_after: osloMidnight(from).toISOString(),
        created_before: osloMidnight(addDays(to, 1)).toISOString(),
        conversation: f.get("conversation") === "on" ? true : undefined,
      }),
    );
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `leads-${from}-${to}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
    setOpen(false);
  }

  return (
    <>
      <Button variant="outline" size="sm" onClick={() => setOpen(true)}>
        <Download aria-hidden /> Eksporter
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Eksporter leads</DialogTitle>
            <DialogDescription>En CSV-fil som åpnes i Excel, med leadsene opprettet i perioden.</DialogDescription>
          </DialogHeader>
          <form
            className="flex flex-col gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              void download(e.currentTarget);
            }}
          >
            <TextField idPrefix="export" label="Fra og med" name="from" type="date" required defaultValue={addDays(today, -30)} />
            <TextField idPrefix="export" label="Til og med" name="to" type="date" required defaultValue={today} />
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="conversation" /> Ta med samtalene
            </label>
            <InlineError error={error} />
            <DialogFooter>
              <Button variant="outline" type="button" onClick={() => setOpen(false)}>
                Avbryt
              </Button>
              <Button type="submit" disabled={busy}>
                {busy ? "Lager fil …" : "Last ned"}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}
