// The inbox's keyboard: j/k next and previous lead, Enter open, r reply,
// a assign to me, s status, / search, ? the list. Never while the person
// is typing in a field.

export type ShortcutAction = "next" | "previous" | "open" | "reply" | "assign-me" | "status" | "search" | "help";

export const SHORTCUTS: { key: string; action: ShortcutAction; label: string }[] = [
  { key: "j", action: "next", label: "Neste lead" },
  { key: "k", action: "previous", label: "Forrige lead" },
  { key: "Enter", action: "open", label: "Åpne leadet" },
  { key: "r", action: "reply", label: "Svar kunden" },
  { key: "a", action: "assign-me", label: "Tildel til meg" },
  { key: "s", action: "status", label: "Endre status" },
  { key: "/", action: "search", label: "Søk" },
  { key: "?", action: "help", label: "Vis snarveiene" },
];

/** Whether the event comes from somewhere a person types. */
export function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== "function") return false;
  const el = target as HTMLElement;
  if (el.isContentEditable) return true;
  return el.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null;
}

/** The action a key press asks for, or null (modifiers and typing never count). */
export function shortcutFor(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "target">): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTyping(event.target)) return null;
  return SHORTCUTS.find((s) => s.key === event.key)?.action ?? null;
}

/** The row index after moving by `step` within `count` rows (clamped; -1 before the first). */
export function moveSelection(current: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (current < 0) return step > 0 ? 0 : count - 1;
  return Math.min(count - 1, Math.max(0, current + step));
}
