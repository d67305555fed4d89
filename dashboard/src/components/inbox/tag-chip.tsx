import { cn } from "@/lib/utils";
import type { Tag, TagColour } from "@/lib/types";

// Light backgrounds with dark text of the same hue: WCAG AA at 12 px.
const COLOURS: Record<TagColour, string> = {
  grey: "bg-slate-100 text-slate-800",
  red: "bg-red-100 text-red-900",
  orange: "bg-orange-100 text-orange-900",
  green: "bg-emerald-100 text-emerald-900",
  teal: "bg-teal-100 text-teal-900",
  blue: "bg-sky-100 text-sky-900",
  violet: "bg-violet-100 text-violet-900",
  pink: "bg-pink-100 text-pink-900",
};

export const TAG_COLOURS = Object.keys(COLOURS) as TagColour[];

export const COLOUR_LABEL: Record<TagColour, string> = {
  grey: "Grå",
  red: "Rød",
  orange: "Oransje",
  green: "Grønn",
  teal: "Blågrønn",
  blue: "Blå",
  violet: "Fiolett",
  pink: "Rosa",
};

export function TagChip({ tag, className }: { tag: Tag; className?: string }) {
  return (
    <span data-testid="tag-chip" className={cn("rounded-full px-2 py-0.5 text-xs font-medium", COLOURS[tag.colour], className)}>
      {tag.name}
    </span>
  );
}

/** The lead's tags that the dealership still has, in the dealership's order. */
export function LeadTags({ ids, tags }: { ids: string[] | undefined; tags: Tag[] }) {
  const shown = tags.filter((t) => ids?.includes(t.id));
  if (shown.length === 0) return null;
  return (
    <span className="flex flex-wrap gap-1">
      {shown.map((t) => (
        <TagChip key={t.id} tag={t} />
      ))}
    </span>
  );
}
