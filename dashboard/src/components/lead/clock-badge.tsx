import { Timer } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatTime } from "@/lib/format";
import type { ResponseClockState } from "@/lib/types";

/** A running response clock: due when, or overdue by how long. */
export function ClockBadge({ clock, now, compact = false }: { clock: ResponseClockState; now: Date; compact?: boolean }) {
  const what = clock.kind === "first_contact" ? "Første kontakt" : "Svar til kunden";
  const late = now.getTime() - Date.parse(clock.due_at);
  if (late > 0) {
    const minutes = Math.max(1, Math.round(late / 60_000));
    const by = minutes >= 120 ? `${Math.round(minutes / 60)} t` : `${minutes} min`;
    return (
      <Badge variant="danger" data-testid="response-clock" data-overdue title={`${what}: frist ${formatDateTime(clock.due_at)}`}>
        <Timer className="mr-1 h-3.5 w-3.5" aria-hidden />
        {compact ? `Forfalt ${by}` : `${what}: forfalt med ${by}`}
      </Badge>
    );
  }
  return (
    <Badge variant="warning" data-testid="response-clock" title={`${what}: frist ${formatDateTime(clock.due_at)}`}>
      <Timer className="mr-1 h-3.5 w-3.5" aria-hidden />
      {compact ? `Frist ${formatTime(clock.due_at)}` : `${what} innen ${formatDateTime(clock.due_at)}`}
    </Badge>
  );
}
