"use client";

import * as React from "react";

import { ClockBadge } from "@/components/lead/clock-badge";
import type { ResponseClockState } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

interface ClockView {
  clock: ResponseClockState | null;
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
  return <ClockBadge clock={clock} now={new Date()} />;
}
