"use client";

import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { MyNotices } from "@/components/setup/my-notices";
import { CannedEditor, TagsEditor } from "@/components/setup/inbox-lists";
import { ErrorState, LoadingState } from "@/components/states";
import { useSession } from "@/lib/session";
import type { InboxSetup } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

/** Everyone's own notices and away flag; the team's tags and canned replies for managers. */
export default function SetupPage() {
  const { canManage } = useSession();
  const setup = useResource<InboxSetup>("/api/inbox-setup");
  return (
    <>
      <PageHeader title="Oppsett" description="Dine varsler, og teamets etiketter og hurtigsvar." />
      <div className="flex flex-col gap-10">
        <MyNotices />
        {canManage && setup.loading && !setup.data && <LoadingState label="Henter oppsettet …" />}
        {canManage && setup.error && !setup.data ? <ErrorState error={setup.error} onRetry={setup.reload} /> : null}
        {canManage && setup.data && (
          <>
            <TagsEditor setup={setup.data} onSaved={setup.setData} />
            <CannedEditor setup={setup.data} onSaved={setup.setData} />
          </>
        )}
      </div>
    </>
  );
}
