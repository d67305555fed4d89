import Link from "next/link";

import { LeadTags } from "@/components/inbox/tag-chip";
import { ClockBadge } from "@/components/lead/clock-badge";
import { AnsweredMark, ScoreBadge, SourceIcon, StatusBadge } from "@/components/lead-bits";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatRelative } from "@/lib/format";
import { customerLabel } from "@/lib/labels";
import type { Lead, Tag, User } from "@/lib/types";
import { cn } from "@/lib/utils";

interface Props {
  lead: Lead;
  index: number;
  assignee: User | undefined;
  tags: Tag[];
  now: Date;
  unread: boolean;
  /** Where the keyboard (j/k) is. */
  focused: boolean;
  selected: boolean;
  onToggle: () => void;
}

/** One lead in the inbox: a box to select it, and a link to open it. */
export function LeadRow({ lead, index, assignee, tags, now, unread, focused, selected, onToggle }: Props) {
  return (
    <li
      data-testid="lead-row"
      data-lead-id={lead.id}
      data-row-index={index}
      data-unread={unread || undefined}
      data-focused={focused || undefined}
      className={cn("flex items-stretch", focused && "bg-sky-50 ring-2 ring-inset ring-sky-600")}
    >
      <label className="flex items-center pl-3">
        <span className="sr-only">Velg {lead.customer_name ?? "leadet"}</span>
        <input type="checkbox" checked={selected} onChange={onToggle} data-testid="select-lead" />
      </label>
      <Link
        href={`/lead/?id=${lead.id}`}
        prefetch={false}
        className="grid min-w-0 flex-1 grid-cols-[auto_1fr_auto] items-center gap-x-3 gap-y-1 px-3 py-3 hover:bg-muted/50 focus-visible:bg-muted/50 focus-visible:outline-none md:grid-cols-[auto_minmax(0,2fr)_minmax(0,2fr)_9rem_3rem_minmax(0,1fr)_7rem]"
      >
        <span className="flex w-4 justify-center">
          {unread && (
            <span className="h-2.5 w-2.5 rounded-full bg-sky-600" title="Ulest">
              <span className="sr-only">Ulest</span>
            </span>
          )}
        </span>
        <span className="min-w-0">
          <span className={cn("block truncate", unread ? "font-semibold" : "font-medium")}>
            {customerLabel(lead)}
          </span>
          <span className="flex items-center gap-2 text-xs text-muted-foreground md:hidden">
            <SourceIcon source={lead.source} /> {lead.vehicle_interest ?? "Ingen bil oppgitt"}
          </span>
          <LeadTags ids={lead.tags} tags={tags} />
        </span>
        <span className="text-right text-xs text-muted-foreground md:hidden">
          <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)}>
            {formatRelative(lead.created_at, now)}
          </time>
        </span>
        <span className="hidden min-w-0 items-center gap-2 md:flex">
          <SourceIcon source={lead.source} />
          <span className="truncate text-sm">{lead.vehicle_interest ?? "–"}</span>
        </span>
        <span className="col-start-2 flex flex-wrap items-center gap-2 md:col-start-auto">
          <StatusBadge status={lead.status} />
          {lead.handover && (
            <Badge variant="warning" data-testid="needs-human-badge">
              Trenger menneske
            </Badge>
          )}
          {lead.response_clock && <ClockBadge clock={lead.response_clock} now={now} compact />}
          <span className="md:hidden">
            <AnsweredMark lead={lead} />
          </span>
        </span>
        <span className="hidden md:block">
          <ScoreBadge score={lead.lead_score} />
        </span>
        <span className="hidden truncate text-sm text-muted-foreground md:block">
          {assignee ? (assignee.name ?? assignee.email) : "Ikke tildelt"}
        </span>
        <span className="hidden flex-col items-end text-xs md:flex">
          <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)} className="text-muted-foreground">
            {formatRelative(lead.created_at, now)}
          </time>
          <AnsweredMark lead={lead} />
        </span>
      </Link>
    </li>
  );
}
