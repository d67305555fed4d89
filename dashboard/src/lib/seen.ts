// Which leads this person has opened, in this browser: what the inbox's
// unread marker is measured against.

const KEY = "norvalt.seen-leads";
const LIMIT = 2000;

function read(): string[] {
  try {
    const parsed = JSON.parse(window.localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((x) => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function seenLeads(): Set<string> {
  return new Set(read());
}

export function markSeen(id: string) {
  const ids = read().filter((x) => x !== id);
  ids.push(id);
  window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-LIMIT)));
}
