"use client";

import { Bookmark, Share2, Trash2 } from "lucide-react";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { DEFAULT_VIEWS, isView, viewQuery, type InboxFilters, type ViewDef } from "@/lib/inbox-view";
import type { SavedView } from "@/lib/types";

interface Props {
  filters: InboxFilters;
  shared: SavedView[];
  mine: SavedView[];
  canShare: boolean;
  onPick: (query: string) => void;
  onSave: (name: string, shared: boolean) => Promise<void>;
  onRemove: (view: SavedView, shared: boolean) => Promise<void>;
  counts?: Partial<Record<string, number>>;
}

/** The inbox's views: the defaults, the dealership's shared ones, the user's own. */
export function ViewsBar({ filters, shared, mine, canShare, onPick, onSave, onRemove, counts }: Props) {
  const [saving, setSaving] = React.useState(false);
  const [name, setName] = React.useState("");
  const all = viewQuery(filters) === "";
  const button = (view: ViewDef, kind: "default" | "shared" | "mine") => {
    const active = isView(view, filters);
    const count = counts?.[view.id];
    return (
      <span key={`${kind}:${view.id}`} className="inline-flex items-center">
        <Button
          variant={active ? "secondary" : "outline"}
          size="sm"
          aria-pressed={active}
          data-testid={`view-${view.id}`}
          onClick={() => onPick(view.query)}
        >
          {kind === "shared" && <Share2 aria-hidden />}
          {kind === "mine" && <Bookmark aria-hidden />}
          {view.name}
          {count != null && count > 0 && (
            <span className="ml-1 rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-white" data-testid={`view-count-${view.id}`}>
              {count >= 100 ? "99+" : count}
            </span>
          )}
        </Button>
        {kind !== "default" && active && (kind === "mine" || canShare) && (
          <Button
            variant="ghost"
            size="sm"
            aria-label={`Slett visningen ${view.name}`}
            onClick={() => onRemove(view as SavedView, kind === "shared")}
          >
            <Trash2 aria-hidden />
          </Button>
        )}
      </span>
    );
  };
  return (
    <div className="mb-3 flex flex-wrap items-center gap-2" role="group" aria-label="Visninger">
      <Button variant={all ? "secondary" : "outline"} size="sm" aria-pressed={all} onClick={() => onPick("")}>
        Alle leads
      </Button>
      {DEFAULT_VIEWS.map((v) => button(v, "default"))}
      {shared.map((v) => button(v, "shared"))}
      {mine.map((v) => button(v, "mine"))}
      {!all && !saving && (
        <Button variant="link" size="sm" data-testid="save-view" onClick={() => setSaving(true)}>
          Lagre visning
        </Button>
      )}
      {saving && (
        <form
          className="flex items-center gap-2"
          onSubmit={async (e) => {
            e.preventDefault();
            const shareIt = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("data-share") === "1";
            if (!name.trim()) return;
            await onSave(name.trim(), shareIt);
            setSaving(false);
            setName("");
          }}
        >
          <label className="sr-only" htmlFor="view-name">
            Navn på visningen
          </label>
          <input
            id="view-name"
            className="h-8 rounded-md border px-2 text-sm"
            placeholder="Navn på visningen"
            maxLength={40}
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
          />
          <Button type="submit" size="sm" data-share="0">
            Lagre for meg
          </Button>
          {canShare && (
            <Button type="submit" size="sm" variant="secondary" data-share="1" data-testid="share-view">
              Del med teamet
            </Button>
          )}
          <Button type="button" size="sm" variant="ghost" onClick={() => setSaving(false)}>
            Avbryt
          </Button>
        </form>
      )}
    </div>
  );
}
