"use client";

import { ChevronLeft, ChevronRight } from "lucide-react";
import Link from "next/link";
import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { PeopleOptions } from "@/components/options";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { addDays, formatDate, formatTime, mondayOf, osloDay, osloMidnight } from "@/lib/format";
import { APPOINTMENT_KIND_LABEL, APPOINTMENT_STATUS_LABEL, BOOKED_BY_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import type { Appointment, User } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

type View = "day" | "week";

const WEEKDAY = new Intl.DateTimeFormat("nb-NO", { timeZone: "Europe/Oslo", weekday: "long" });

/** The team's test drives, viewings and valuations by day or week, in Oslo time. */
export default function CalendarPage() {
  const { me } = useSession();
  const [view, setView] = React.useState<View>("week");
  const [anchor, setAnchor] = React.useState(() => osloDay(new Date()));
  const [rep, setRep] = React.useState("");
  const first = view === "week" ? mondayOf(anchor) : anchor;
  const days = view === "week" ? 7 : 1;
  const team = useResource<{ items: User[] }>("/api/users");
  const calendar = useResource<{ items: Appointment[] }>("/api/appointments", {
    from: osloMidnight(first).toISOString(),
    to: osloMidnight(addDays(first, days)).toISOString(),
    assigned_to: rep === "me" ? me.user?.id : rep || undefined,
  });
  const users = new Map((team.data?.items ?? []).map((u) => [u.id, u]));
  const byDay = new Map<string, Appointment[]>();
  for (const a of calendar.data?.items ?? []) {
    const day = osloDay(a.start);
    byDay.set(day, [...(byDay.get(day) ?? []), a]);
  }
  const shownDays = Array.from({ length: days }, (_, i) => addDays(first, i));

  return (
    <>
      <PageHeader title="Kalender" description="Prøvekjøringer, visninger og innbyttevurderinger, i norsk tid." />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div role="group" aria-label="Visning" className="flex gap-1">
          {(["day", "week"] as View[]).map((v) => (
            <Button key={v} size="sm" variant={view === v ? "secondary" : "outline"} aria-pressed={view === v} onClick={() => setView(v)}>
              {v === "day" ? "Dag" : "Uke"}
            </Button>
          ))}
        </div>
        <div className="flex gap-1">
          <Button size="sm" variant="outline" aria-label="Forrige" onClick={() => setAnchor(addDays(anchor, -days))}>
            <ChevronLeft aria-hidden />
          </Button>
          <Button size="sm" variant="outline" onClick={() => setAnchor(osloDay(new Date()))}>
            I dag
          </Button>
          <Button size="sm" variant="outline" aria-label="Neste" onClick={() => setAnchor(addDays(anchor, days))}>
            <ChevronRight aria-hidden />
          </Button>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="calendar-rep">Selger</Label>
          <NativeSelect id="calendar-rep" value={rep} onChange={(e) => setRep(e.target.value)}>
            <option value="">Alle</option>
            {me.user && <option value="me">Meg</option>}
            <PeopleOptions users={team.data?.items ?? []} except={me.user?.id} />
          </NativeSelect>
        </div>
      </div>
      {calendar.loading && !calendar.data && <LoadingState label="Henter avtaler …" />}
      {calendar.error && !calendar.data ? <ErrorState error={calendar.error} onRetry={calendar.reload} /> : null}
      {calendar.data && calendar.data.items.length === 0 && (
        <EmptyState title="Ingen avtaler" description="Avtaler som kunder, AI-en eller selgere booker, vises her." />
      )}
      {calendar.data && calendar.data.items.length > 0 && (
        <ol className="flex flex-col gap-4" data-testid="calendar">
          {shownDays
            .filter((day) => byDay.has(day))
            .map((day) => (
              <li key={day}>
                <h2 className="mb-2 text-base font-semibold capitalize">
                  {WEEKDAY.format(osloMidnight(day))} {formatDate(osloMidnight(day))}
                </h2>
                <ul className="divide-y rounded-lg border">
                  {byDay.get(day)!.map((a) => {
                    const owner = a.assigned_to ? users.get(a.assigned_to) : undefined;
                    return (
                      <li key={a.id} data-testid="appointment" className="flex flex-wrap items-center gap-3 px-3 py-2 text-sm">
                        <span className="w-24 font-medium tabular-nums">
                          {formatTime(a.start)}–{formatTime(a.end)}
                        </span>
                        <span>{APPOINTMENT_KIND_LABEL[a.kind]}</span>
                        <Badge variant={a.status === "cancelled" || a.status === "no_show" ? "danger" : "outline"}>
                          {APPOINTMENT_STATUS_LABEL[a.status]}
                        </Badge>
                        <span className="text-muted-foreground">booket av {BOOKED_BY_LABEL[a.booked_by]}</span>
                        <span className="text-muted-foreground">{owner ? (owner.name ?? owner.email) : "Ikke tildelt"}</span>
                        <Link className="ml-auto text-primary underline-offset-2 hover:underline" href={`/lead/?id=${a.lead_id}`}>
                          Åpne lead
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
        </ol>
      )}
    </>
  );
}
