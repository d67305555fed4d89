import { Bot, Globe, Mail, Megaphone, MousePointerClick, PenLine, Smartphone } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { SOURCE_LABEL, STATUS_LABEL, STATUS_VARIANT } from "@/lib/labels";
import type { Lead, LeadSource, LeadStatus } from "@/lib/types";
import { cn } from "@/lib/utils";

const SOURCE_ICON: Record<LeadSource, typeof Globe> = {
  website: Globe,
  email: Mail,
  facebook: Megaphone,
  manual: PenLine,
  sms: Smartphone,
  google: MousePointerClick,
};

export function SourceIcon({ source, withLabel = false }: { source: LeadSource; withLabel?: boolean }) {
  const Icon = SOURCE_ICON[source] ?? Globe;
  return (
    <span className="inline-flex items-center gap-1 text-muted-foreground" title={SOURCE_LABEL[source]}>
      <Icon className="h-4 w-4" aria-hidden />
      <span className={withLabel ? "text-sm" : "sr-only"}>{SOURCE_LABEL[source] ?? source}</span>
    </span>
  );
}

export function StatusBadge({ status }: { status: LeadStatus }) {
  return <Badge variant={STATUS_VARIANT[status] ?? "outline"}>{STATUS_LABEL[status] ?? status}</Badge>;
}

/** The 1–100 score, coloured by heat. */
export function ScoreBadge({ score }: { score: number | null }) {
  if (score == null) return <span className="text-xs text-muted-foreground">–</span>;
  const tone = score >= 70 ? "bg-red-100 text-red-900" : score >= 40 ? "bg-amber-100 text-amber-900" : "bg-slate-100 text-slate-800";
  return (
    <span className={cn("inline-flex min-w-9 justify-center rounded-md px-1.5 py-0.5 text-xs font-semibold", tone)} title="Leadscore (1–100)">
      <span className="sr-only">Score </span>
      {score}
    </span>
  );
}

/** Whether the customer has had an answer (from the AI or a rep). */
export function AnsweredMark({ lead }: { lead: Lead }) {
  if (lead.first_response_at) {
    return (
      <span className="inline-flex items-center gap-1 text-xs text-emerald-800" title="Kunden har fått svar">
        <Bot className="h-3.5 w-3.5" aria-hidden /> Besvart
      </span>
    );
  }
  return <span className="text-xs text-amber-800">Ikke besvart</span>;
}
