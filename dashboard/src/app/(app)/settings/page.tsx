"use client";

import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { AdfCard } from "@/components/settings/adf-card";
import { AiPanel } from "@/components/settings/ai-panel";
import { FeedCard } from "@/components/settings/feed-card";
import { AuditPanel, ChannelsPanel, HoursPanel, ProfilePanel, TeamPanel } from "@/components/settings/panels";
import type { Settings } from "@/components/settings/save";
import { WebhooksPanel } from "@/components/settings/webhooks-panel";
import { ErrorState, LoadingState } from "@/components/states";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useSession } from "@/lib/session";
import { useResource } from "@/lib/use-resource";

export default function SettingsPage() {
  const { isAdmin } = useSession();
  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Innstillinger" />
        <ErrorState error={new Error("Bare administratorer kan endre innstillingene.")} />
      </>
    );
  }
  return <AdminSettings />;
}

function AdminSettings() {
  const settings = useResource<Settings>("/api/dealership");
  const onSaved = React.useCallback((s: Settings) => settings.setData(s), [settings.setData]);
  return (
    <>
      <PageHeader title="Innstillinger" description="Profil, åpningstider, kanaler, AI-samtaler og booking, integrasjoner, team og logg." />
      {settings.loading && !settings.data && <LoadingState label="Henter innstillinger …" />}
      {settings.error && !settings.data ? <ErrorState error={settings.error} onRetry={settings.reload} /> : null}
      {settings.data && (
        <Tabs defaultValue="profile">
          <TabsList aria-label="Innstillinger">
            <TabsTrigger value="profile">Profil</TabsTrigger>
            <TabsTrigger value="hours">Åpningstider</TabsTrigger>
            <TabsTrigger value="channels">Kanaler</TabsTrigger>
            <TabsTrigger value="ai">AI og booking</TabsTrigger>
            <TabsTrigger value="integrations">Integrasjoner</TabsTrigger>
            <TabsTrigger value="team">Team</TabsTrigger>
            <TabsTrigger value="audit">Logg</TabsTrigger>
          </TabsList>
          <TabsContent value="profile">
            <ProfilePanel settings={settings.data} onSaved={onSaved} />
          </TabsContent>
          <TabsContent value="hours">
            <HoursPanel settings={settings.data} onSaved={onSaved} />
          </TabsContent>
          <TabsContent value="channels">
            <ChannelsPanel settings={settings.data} onSaved={onSaved} />
          </TabsContent>
          <TabsContent value="ai">
            <AiPanel settings={settings.data} onSaved={onSaved} />
          </TabsContent>
          <TabsContent value="integrations">
            <div className="flex flex-col gap-4">
              <WebhooksPanel />
              <AdfCard settings={settings.data} onSaved={onSaved} />
              <FeedCard settings={settings.data} onSaved={onSaved} />
            </div>
          </TabsContent>
          <TabsContent value="team">
            <TeamPanel />
          </TabsContent>
          <TabsContent value="audit">
            <AuditPanel />
          </TabsContent>
        </Tabs>
      )}
    </>
  );
}
