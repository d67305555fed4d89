"use client";

import * as React from "react";

import { AppShell } from "@/components/app-shell";
import { ErrorState, LoadingState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { clearSession, LocalSession, useConfig } from "@/lib/session";

const ClerkSession = React.lazy(() => import("@/lib/clerk-session"));

function FullPage({ children }: { children: React.ReactNode }) {
  return <main className="flex min-h-screen items-center justify-center p-4">{children}</main>;
}

const fallback = (
  <FullPage>
    <LoadingState label="Logger inn …" />
  </FullPage>
);

function renderError(error: unknown, retry: () => void) {
  return (
    <FullPage>
      <div className="flex max-w-md flex-col gap-3">
        <ErrorState error={error} onRetry={retry} />
        <Button
          variant="outline"
          onClick={() => {
            clearSession();
            window.location.assign("/login/");
          }}
        >
          Logg inn som en annen
        </Button>
      </div>
    </FullPage>
  );
}

/** Every signed-in screen: the session first, then the shell around the page. */
export default function SignedInLayout({ children }: { children: React.ReactNode }) {
  React.useEffect(() => void performance.mark("norvalt:mounted"), []);
  const { config, error } = useConfig();
  if (error) return <FullPage>{<ErrorState error={error} onRetry={() => window.location.reload()} />}</FullPage>;
  if (!config) return fallback;
  const shell = <AppShell>{children}</AppShell>;
  if (config.auth === "clerk") {
    return (
      <React.Suspense fallback={fallback}>
        <ClerkSession config={config} fallback={fallback} renderError={renderError}>
          {shell}
        </ClerkSession>
      </React.Suspense>
    );
  }
  if (config.auth === "local") {
    return (
      <LocalSession config={config} fallback={fallback} renderError={renderError}>
        {shell}
      </LocalSession>
    );
  }
  return (
    <FullPage>
      <ErrorState error={new Error("Innlogging er ikke satt opp for dette dashbordet (config.json).")} />
    </FullPage>
  );
}
