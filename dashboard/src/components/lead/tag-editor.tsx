"use client";

import { X } from "lucide-react";

import { TagChip } from "@/components/inbox/tag-chip";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Tag } from "@/lib/types";

/**
 * A lead's tags: each one the dealership still has, with a button to take
 * it off, and a list of the others to put on. `onChange` gets the whole
 * new list (the API replaces the lead's tags).
 */
export function TagEditor({
  ids,
  tags,
  disabled,
  onChange,
}: {
  ids: string[] | undefined;
  tags: Tag[];
  disabled: boolean;
  onChange: (ids: string[]) => void;
}) {
  const current = ids ?? [];
  const on = tags.filter((t) => current.includes(t.id));
  const off = tags.filter((t) => !current.includes(t.id));
  if (tags.length === 0) return null;
  return (
    <div className="flex flex-col gap-1.5" data-testid="lead-tags">
      <Label htmlFor="lead-add-tag">Etiketter</Label>
      {on.length > 0 && (
        <ul className="flex flex-wrap gap-1" aria-label="Etiketter på leadet">
          {on.map((t) => (
            <li key={t.id} className="flex items-center">
              <TagChip tag={t} className="pr-1" />
              <button
                type="button"
                className="-ml-1 rounded-full p-0.5 text-muted-foreground hover:text-foreground focus-visible:outline focus-visible:outline-2"
                aria-label={`Fjern etiketten ${t.name}`}
                disabled={disabled}
                onClick={() => onChange(current.filter((id) => id !== t.id))}
              >
                <X className="size-3.5" aria-hidden />
              </button>
            </li>
          ))}
        </ul>
      )}
      {off.length > 0 && (
        <NativeSelect
          id="lead-add-tag"
          value=""
          disabled={disabled}
          onChange={(e) => e.target.value && onChange([...current, e.target.value])}
        >
          <option value="">Legg til etikett …</option>
          {off.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </NativeSelect>
      )}
    </div>
  );
}
