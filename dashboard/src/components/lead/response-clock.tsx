"use client";

import { Timer } from "lucide-react";
import * as React from "react";

import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/lib/format";
import { useResource } from "@/lib/use-resource";

interface ClockView {
  clock: { kind: "first_contact" | "reply"; started_at: string; remind_at: string; due_at: string } | null;
  overdue_secs: number | null;
}

/** The lead's response-time clock: when a person must answer, or how late it is. */
export function ResponseClock({ leadId, version }: { leadId: string; version: number }) {
  const view = useResource<ClockView>(`/api/leads/${leadId}/response-clock`);
  // A status change or a reply moves the clock: read it again.
  const reload = view.reload;
  const seen = React.useRef(version);
  React.useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    reload();
  }, [version, reload]);
  const clock = view.data?.clock;
  if (!clock) return null;
  const what = clock.kind === "first_contact" ? "Første kontakt" : "Svar til kunden";
  const overdue = view.data?.overdue_secs;
  return overdue != null ? (
    <Badge variant="danger" data-testid="response-clock">
      <Timer className="mr-1 h-3.5 w-3.5" aria-hidden />
      {what}: forfalt med {Math.max(1, Math.round(overdue / 60))} min
    </Badge>
  ) : (
    <Badge variant="warning" data-testid="response-clock">
      <Timer className="mr-1 h-3.5 w-3.5" aria-hidden />
      {what} innen {formatDateTime(clock.due_at)}
    </Badge>
  );
}
