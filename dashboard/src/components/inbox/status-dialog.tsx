"use client";

import * as React from "react";

import { StatusOptions } from "@/components/options";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useSession } from "@/lib/session";
import type { Lead, LeadStatus } from "@/lib/types";

/** The `s` shortcut: the focused lead's status, changed without leaving the list. */
export function StatusDialog({ lead, onClose, onSaved }: { lead: Lead | null; onClose: () => void; onSaved: (lead: Lead) => void }) {
  const { api } = useSession();
  const [status, setStatus] = React.useState<LeadStatus | "">("");
  React.useEffect(() => setStatus(lead?.status ?? ""), [lead]);
  return (
    <Dialog open={!!lead} onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Endre status</DialogTitle>
          <DialogDescription>{lead?.customer_name ?? lead?.customer_email ?? "Leadet"}</DialogDescription>
        </DialogHeader>
        <form
          className="flex items-end gap-2"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!lead || !status) return;
            onSaved(await api.patch<Lead>(`/api/leads/${lead.id}`, { status }));
          }}
        >
          <div className="flex flex-1 flex-col gap-1.5">
            <Label htmlFor="quick-status">Status</Label>
            <NativeSelect id="quick-status" value={status} onChange={(e) => setStatus(e.target.value as LeadStatus)} autoFocus>
              <StatusOptions />
            </NativeSelect>
          </div>
          <Button type="submit">Lagre</Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
