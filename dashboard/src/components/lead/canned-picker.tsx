"use client";

import * as React from "react";

import { searchReplies } from "@/lib/reply-fields";
import type { CannedReply } from "@/lib/types";

/** The canned replies matching `search`, picked by click or Enter. */
export function CannedPicker({
  replies,
  search,
  onPick,
}: {
  replies: CannedReply[];
  search: string;
  onPick: (reply: CannedReply) => void;
}) {
  const found = searchReplies(replies, search);
  if (replies.length === 0) {
    return <p className="rounded-md border border-dashed p-2 text-sm text-muted-foreground">Ingen hurtigsvar ennå. En leder kan lage dem under Innstillinger.</p>;
  }
  return (
    <ul className="max-h-56 overflow-auto rounded-md border bg-background text-sm shadow-sm" aria-label="Hurtigsvar" data-testid="canned-picker">
      {found.length === 0 && <li className="p-2 text-muted-foreground">Ingen hurtigsvar passer «{search}»</li>}
      {found.map((r) => (
        <li key={r.id}>
          <button type="button" className="w-full px-3 py-2 text-left hover:bg-muted focus-visible:bg-muted focus-visible:outline-none" onClick={() => onPick(r)}>
            <span className="block font-medium">{r.title}</span>
            <span className="block truncate text-xs text-muted-foreground">{r.body}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
