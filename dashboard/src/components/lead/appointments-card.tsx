"use client";

import { CalendarPlus } from "lucide-react";
import * as React from "react";

import { InlineError } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { addDays, formatDateTime, osloDay, osloInstant } from "@/lib/format";
import { APPOINTMENT_KIND_LABEL, APPOINTMENT_STATUS_LABEL, BOOKED_BY_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import type { Appointment, AppointmentKind, AppointmentStatus } from "@/lib/types";
import { useAction } from "@/lib/use-action";
import { useResource } from "@/lib/use-resource";

/** The lead's appointments, what became of them, and booking one for the customer. */
export function AppointmentsCard({ leadId }: { leadId: string }) {
  const { api } = useSession();
  const appointments = useResource<{ items: Appointment[] }>(`/api/leads/${leadId}/appointments`);
  const { busy, error, run } = useAction();
  const [kind, setKind] = React.useState<AppointmentKind>("test_drive");
  const [day, setDay] = React.useState(() => addDays(osloDay(new Date()), 1));
  const [time, setTime] = React.useState("12:00");

  async function mark(a: Appointment, status: AppointmentStatus) {
    const updated = await run(() => api.patch<Appointment>(`/api/appointments/${a.id}`, { status }));
    if (updated) appointments.reload();
  }

  async function book(e: React.FormEvent) {
    e.preventDefault();
    const booked = await run(() =>
      api.post<Appointment>("/api/appointments", {
        lead_id: leadId,
        kind,
        start: osloInstant(day, time).toISOString(),
      }),
    );
    if (booked) appointments.reload();
  }

  const items = appointments.data?.items ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Avtaler</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-3 text-sm">
        {items.length === 0 ? (
          <p className="text-muted-foreground">Ingen avtaler ennå.</p>
        ) : (
          <ul className="flex flex-col gap-2" data-testid="lead-appointments">
            {items.map((a) => (
              <li key={a.id} className="rounded-md border p-2">
                <p className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{APPOINTMENT_KIND_LABEL[a.kind]}</span>
                  <span>{formatDateTime(a.start)}</span>
                  <Badge variant="outline">{APPOINTMENT_STATUS_LABEL[a.status]}</Badge>
                </p>
                <p className="text-xs text-muted-foreground">Booket av {BOOKED_BY_LABEL[a.booked_by]}</p>
                {a.status === "booked" && (
                  <div className="mt-2 flex flex-wrap gap-2">
                    <Button size="sm" variant="outline" disabled={busy} onClick={() => mark(a, "showed")}>
                      Møtte
                    </Button>
                    <Button size="sm" variant="outline" disabled={busy} onClick={() => mark(a, "no_show")}>
                      Møtte ikke
                    </Button>
                    <Button size="sm" variant="outline" disabled={busy} onClick={() => mark(a, "cancelled")}>
                      Avbestill
                    </Button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={book} className="flex flex-col gap-2" aria-label="Book en avtale">
          <div className="grid grid-cols-2 gap-2">
            <div className="col-span-2 flex flex-col gap-1.5">
              <Label htmlFor="appointment-kind">Type</Label>
              <NativeSelect id="appointment-kind" value={kind} onChange={(e) => setKind(e.target.value as AppointmentKind)}>
                {(Object.keys(APPOINTMENT_KIND_LABEL) as AppointmentKind[]).map((k) => (
                  <option key={k} value={k}>
                    {APPOINTMENT_KIND_LABEL[k]}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="appointment-day">Dag</Label>
              <Input id="appointment-day" type="date" value={day} onChange={(e) => setDay(e.target.value)} />
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="appointment-time">Tid</Label>
              <Input id="appointment-time" type="time" step={1800} value={time} onChange={(e) => setTime(e.target.value)} />
            </div>
          </div>
          {error ? <InlineError error={error} /> : null}
          <Button type="submit" variant="secondary" disabled={busy}>
            <CalendarPlus aria-hidden /> Book og send bekreftelse
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
