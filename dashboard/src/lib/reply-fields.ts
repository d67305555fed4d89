// Canned replies' fields: `{fornavn}`, `{bil}`, `{forhandler}`, `{selger}`,
// `{åpningstider}`, `{bookinglenke}`. The reply box fills them from
// GET /api/leads/{id}/reply-fields; a field with no value for this lead is
// left in braces and named, and the box will not send until the rep has
// written it out (the API refuses it too).

export const REPLY_FIELDS = ["fornavn", "bil", "forhandler", "selger", "åpningstider", "bookinglenke"] as const;

const FIELD = /\{([\p{L}\p{N}_]+)\}/gu;

/** The known fields `text` still holds, each once, in order. */
export function unfilledFields(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(FIELD)) {
    const name = m[1];
    if ((REPLY_FIELDS as readonly string[]).includes(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/** `body` with each field that has a value filled in; `missing` names the rest. */
export function fillFields(
  body: string,
  values: Record<string, string | null | undefined>,
): { text: string; missing: string[] } {
  const text = body.replace(FIELD, (whole, name: string) => {
    const value = values[name];
    return (REPLY_FIELDS as readonly string[]).includes(name) && value && value.trim() ? value : whole;
  });
  return { text, missing: unfilledFields(text) };
}

/** Canned replies whose title or body holds every word of `search`. */
export function searchReplies<T extends { title: string; body: string }>(replies: T[], search: string): T[] {
  const words = search.toLocaleLowerCase("nb").split(/\s+/).filter(Boolean);
  return replies.filter((r) => {
    const hay = `${r.title} ${r.body}`.toLocaleLowerCase("nb");
    return words.every((w) => hay.includes(w));
  });
}
