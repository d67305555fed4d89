"use client";

import { Plus, Trash2 } from "lucide-react";
import * as React from "react";

import { COLOUR_LABEL, TAG_COLOURS, TagChip } from "@/components/inbox/tag-chip";
import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { REPLY_FIELDS } from "@/lib/reply-fields";
import { useSession } from "@/lib/session";
import type { CannedReply, InboxSetup, Tag, TagColour } from "@/lib/types";
import { useAction } from "@/lib/use-action";

type Draft<T> = Omit<T, "id"> & { id?: string };

/** The dealership's tags (managers): a name and a colour each. */
export function TagsEditor({ setup, onSaved }: { setup: InboxSetup; onSaved: (s: InboxSetup) => void }) {
  const { api } = useSession();
  const [tags, setTags] = React.useState<Draft<Tag>[]>(setup.tags);
  const action = useAction();
  const update = (i: number, patch: Partial<Draft<Tag>>) => setTags(tags.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  return (
    <form
      className="flex flex-col gap-3"
      aria-labelledby="tags-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const next = await action.run(() => api.patch<InboxSetup>("/api/inbox-setup", { tags }));
        if (next) {
          setTags(next.tags);
          onSaved(next);
        }
      }}
    >
      <h2 id="tags-title" className="text-lg font-semibold">
        Etiketter
      </h2>
      {tags.map((t, i) => (
        <div key={t.id ?? `new-${i}`} className="flex flex-wrap items-end gap-2" data-testid="tag-editor-row">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={`tag-name-${i}`}>Navn</Label>
            <Input id={`tag-name-${i}`} maxLength={40} value={t.name} onChange={(e) => update(i, { name: e.target.value })} />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={`tag-colour-${i}`}>Farge</Label>
            <NativeSelect id={`tag-colour-${i}`} value={t.colour} onChange={(e) => update(i, { colour: e.target.value as TagColour })}>
              {TAG_COLOURS.map((c) => (
                <option key={c} value={c}>
                  {COLOUR_LABEL[c]}
                </option>
              ))}
            </NativeSelect>
          </div>
          {t.name.trim() && <TagChip tag={{ id: "", name: t.name, colour: t.colour }} className="mb-2" />}
          <Button type="button" variant="ghost" aria-label={`Fjern ${t.name || "etiketten"}`} onClick={() => setTags(tags.filter((_, j) => j !== i))}>
            <Trash2 aria-hidden />
          </Button>
        </div>
      ))}
      <div className="flex gap-2">
        <Button type="button" variant="outline" onClick={() => setTags([...tags, { name: "", colour: "grey" }])}>
          <Plus aria-hidden /> Ny etikett
        </Button>
        <Button type="submit" disabled={action.busy}>
          {action.busy ? "Lagrer …" : "Lagre etiketter"}
        </Button>
      </div>
      <InlineError error={action.error} />
    </form>
  );
}

/** The canned replies (managers): a title and a Norwegian text with fields. */
export function CannedEditor({ setup, onSaved }: { setup: InboxSetup; onSaved: (s: InboxSetup) => void }) {
  const { api } = useSession();
  const [replies, setReplies] = React.useState<Draft<CannedReply>[]>(setup.canned_replies);
  const action = useAction();
  const update = (i: number, patch: Partial<Draft<CannedReply>>) => setReplies(replies.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <form
      className="flex flex-col gap-3"
      aria-labelledby="canned-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const next = await action.run(() => api.patch<InboxSetup>("/api/inbox-setup", { canned_replies: replies }));
        if (next) {
          setReplies(next.canned_replies);
          onSaved(next);
        }
      }}
    >
      <h2 id="canned-title" className="text-lg font-semibold">
        Hurtigsvar
      </h2>
      <p className="text-sm text-muted-foreground">
        Skriv / i svarfeltet for å sette inn et hurtigsvar. Felter som fylles ut: {REPLY_FIELDS.map((f) => `{${f}}`).join(", ")}.
      </p>
      {replies.map((r, i) => (
        <fieldset key={r.id ?? `new-${i}`} className="flex flex-col gap-2 rounded-md border p-3" data-testid="canned-editor-row">
          <legend className="sr-only">Hurtigsvar {i + 1}</legend>
          <Label htmlFor={`canned-title-${i}`}>Tittel</Label>
          <Input id={`canned-title-${i}`} maxLength={80} value={r.title} onChange={(e) => update(i, { title: e.target.value })} />
          <Label htmlFor={`canned-body-${i}`}>Tekst</Label>
          <Textarea id={`canned-body-${i}`} rows={4} maxLength={2000} value={r.body} onChange={(e) => update(i, { body: e.target.value })} />
          <Button type="button" variant="ghost" className="self-start" onClick={() => setReplies(replies.filter((_, j) => j !== i))}>
            <Trash2 aria-hidden /> Fjern
          </Button>
        </fieldset>
      ))}
      <div className="flex gap-2">
        <Button type="button" variant="outline" onClick={() => setReplies([...replies, { title: "", body: "" }])}>
          <Plus aria-hidden /> Nytt hurtigsvar
        </Button>
        <Button type="submit" disabled={action.busy}>
          {action.busy ? "Lagrer …" : "Lagre hurtigsvar"}
        </Button>
      </div>
      <InlineError error={action.error} />
    </form>
  );
}
