"use client";

import * as React from "react";

import { PeopleOptions, StatusOptions } from "@/components/options";
import { ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/input";
import { useSession } from "@/lib/session";
import type { Tag, User } from "@/lib/types";
import { useAction } from "@/lib/use-action";

export interface BulkSummary {
  matched: number;
  changed: number;
  unchanged: number;
  not_found: number;
  failed: number;
}

interface Props {
  /** The chosen leads; ignored when `everyMatching` is set. */
  selected: string[];
  /** Act on every lead the filter matches, not only those on screen. */
  everyMatching: boolean;
  filter: Record<string, unknown>;
  team: User[];
  tags: Tag[];
  onDone: (summary: BulkSummary) => void;
  onClear: () => void;
}

/** What to do with the chosen leads: assign, set status, add or remove a tag. */
export function BulkBar({ selected, everyMatching, filter, team, tags, onDone, onClear }: Props) {
  const { api } = useSession();
  const action = useAction();
  const [kind, setKind] = React.useState("assign");
  const [value, setValue] = React.useState("");
  const target = everyMatching ? "alle som passer filteret" : `${selected.length} valgt`;

  async function apply() {
    const body = {
      ...(everyMatching ? { filter } : { lead_ids: selected }),
      action:
        kind === "assign"
          ? { kind, user_id: value === "none" ? null : value }
          : kind === "set_status"
            ? { kind, status: value }
            : { kind, tag_id: value },
    };
    const summary = await action.run(() => api.post<BulkSummary>("/api/leads/bulk", body));
    if (summary) onDone(summary);
  }

  return (
    <div className="mb-3 flex flex-wrap items-center gap-2 rounded-lg border bg-muted/40 p-2" role="region" aria-label="Massehandling" data-testid="bulk-bar">
      <span className="text-sm font-medium">{target}:</span>
      <label className="sr-only" htmlFor="bulk-kind">
        Handling
      </label>
      <NativeSelect
        id="bulk-kind"
        className="w-auto"
        value={kind}
        onChange={(e) => {
          setKind(e.target.value);
          setValue("");
        }}
      >
        <option value="assign">Tildel</option>
        <option value="set_status">Sett status</option>
        <option value="add_tag">Legg til etikett</option>
        <option value="remove_tag">Fjern etikett</option>
      </NativeSelect>
      <label className="sr-only" htmlFor="bulk-value">
        Velg verdi
      </label>
      <NativeSelect id="bulk-value" className="w-auto" value={value} onChange={(e) => setValue(e.target.value)}>
        <option value="">Velg …</option>
        {kind === "assign" && (
          <>
            <option value="none">Ingen</option>
            <PeopleOptions users={team} />
          </>
        )}
        {kind === "set_status" && <StatusOptions />}
        {(kind === "add_tag" || kind === "remove_tag") &&
          tags.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
      </NativeSelect>
      <Button size="sm" disabled={!value || action.busy} onClick={apply} data-testid="bulk-apply">
        {action.busy ? "Utfører …" : "Utfør"}
      </Button>
      <Button size="sm" variant="ghost" onClick={onClear}>
        Avbryt
      </Button>
      {action.error ? <ErrorState className="w-full" error={action.error} /> : null}
    </div>
  );
}

/** "12 endret, 3 var allerede slik" — what a bulk action did. */
export function describeSummary(s: BulkSummary): string {
  const parts = [`${s.changed} endret`];
  if (s.unchanged) parts.push(`${s.unchanged} var allerede slik`);
  if (s.not_found) parts.push(`${s.not_found} finnes ikke lenger`);
  if (s.failed) parts.push(`${s.failed} feilet`);
  return parts.join(", ");
}
