"use client";

// Clerk in the cloud: loaded only when `config.json` says `auth: clerk`, so
// the local build never downloads it. Clerk's React SDK, not
// `@clerk/nextjs`: the Next.js provider needs a Next server (Server Actions)
// and does not build as a static export.

import { ClerkProvider, OrganizationSwitcher, Show, SignIn, UserButton, useAuth, useClerk } from "@clerk/react";
import * as React from "react";

import type { ApiError } from "./api";
import type { DashboardConfig } from "./config";
import { SessionFromTokens } from "./session";

interface Props {
  config: DashboardConfig;
  children: React.ReactNode;
  fallback: React.ReactNode;
  renderError: (error: unknown, retry: () => void) => React.ReactNode;
}

export default function ClerkSession({ config, ...rest }: Props) {
  return (
    <ClerkProvider publishableKey={config.clerk_publishable_key!} afterSignOutUrl="/">
      <Show when="signed-out">
        <main className="flex min-h-screen items-center justify-center p-4">
          <SignIn routing="hash" />
        </main>
      </Show>
      <Show when="signed-in">
        <SignedInSession config={config} {...rest} />
      </Show>
    </ClerkProvider>
  );
}

function SignedInSession({ config, children, fallback, renderError }: Props) {
  const { getToken, orgId, isLoaded } = useAuth();
  const clerk = useClerk();
  // A fresh token per request: Clerk's last a minute and are refreshed by the SDK.
  const tokens = React.useCallback(() => getToken(), [getToken]);
  const onUnauthorized = React.useCallback((_: ApiError) => undefined, []);
  const signOut = React.useCallback(() => void clerk.signOut(), [clerk]);
  const controls = React.useMemo(
    () => (
      <div className="flex items-center gap-2">
        <OrganizationSwitcher hidePersonal afterSelectOrganizationUrl="/inbox/" />
        <UserButton />
      </div>
    ),
    [],
  );
  if (!isLoaded) return <>{fallback}</>;
  if (!orgId) {
    return (
      <main className="flex min-h-screen flex-col items-center justify-center gap-4 p-4">
        <p>Velg forhandleren du jobber for.</p>
        <OrganizationSwitcher hidePersonal />
      </main>
    );
  }
  return (
    <SessionFromTokens
      key={orgId}
      config={config}
      getToken={tokens}
      onUnauthorized={onUnauthorized}
      signOut={signOut}
      accountControls={controls}
      fallback={fallback}
      renderError={renderError}
    >
      {children}
    </SessionFromTokens>
  );
}
