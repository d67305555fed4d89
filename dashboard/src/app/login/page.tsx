"use client";

// The local dev login: lists the demo dealerships' people and gets a token
// for the one you pick from the local server (which alone has this route).
// In the cloud Clerk signs people in and this page sends them on.

import { LogIn } from "lucide-react";
import { useRouter, useSearchParams } from "next/navigation";
import * as React from "react";

import { ErrorState, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ApiClient, describeError } from "@/lib/api";
import { type DashboardConfig, loadConfig } from "@/lib/config";
import { ROLE_LABEL } from "@/lib/labels";
import { storeSession } from "@/lib/session";
import type { Role } from "@/lib/types";

interface DirectoryUser {
  id: string;
  name: string | null;
  email: string;
  role: Role;
}

interface Directory {
  dealerships: { slug: string; name: string; users: DirectoryUser[] }[];
}

const REASON: Record<string, string> = {
  token_expired: "Innloggingen gikk ut. Velg deg selv igjen.",
  invalid_token: "Innloggingen var ugyldig (er den lokale serveren startet på nytt med nye data?).",
};

function LoginPage() {
  const router = useRouter();
  const params = useSearchParams();
  const [config, setConfig] = React.useState<DashboardConfig | null>(null);
  const [directory, setDirectory] = React.useState<Directory | null>(null);
  const [error, setError] = React.useState<unknown>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const [attempt, setAttempt] = React.useState(0);

  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/inbox/";
  const api = React.useMemo(
    () => (config ? new ApiClient({ baseUrl: config.api_url, getToken: async () => null }) : null),
    [config],
  );

  React.useEffect(() => {
    setError(null);
    loadConfig()
      .then((c) => {
        if (c.auth !== "local") {
          router.replace(target);
          return;
        }
        setConfig(c);
        const client = new ApiClient({ baseUrl: c.api_url, getToken: async () => null });
        return client.get<Directory>("/dev/login/users").then(setDirectory);
      })
      .catch(setError);
  }, [router, target, attempt]);

  async function signIn(slug: string, user: DirectoryUser) {
    if (!api) return;
    setBusy(user.id);
    setError(null);
    try {
      const session = await api.post<{ token: string; expires_at: string }>("/dev/login/token", {
        dealership: slug,
        user_id: user.id,
      });
      storeSession({ ...session, name: user.name ?? user.email });
      router.replace(target);
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  }

  const reason = params.get("reason");
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col gap-6 px-4 py-10">
      <div>
        <h1 className="text-3xl font-bold tracking-tight text-primary">Norvalt</h1>
        <p className="text-muted-foreground">
          Lokal innlogging for utvikling. Velg hvem du vil være; i skyen logger Clerk deg inn.
        </p>
      </div>
      {reason && REASON[reason] && (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          {REASON[reason]}
        </p>
      )}
      {error ? <ErrorState error={error} onRetry={() => setAttempt((n) => n + 1)} /> : null}
      {!directory && !error && <LoadingState label="Henter brukere …" />}
      {directory?.dealerships.length === 0 && (
        <ErrorState error={new Error("Ingen forhandlere finnes ennå. Kjør scripts/dev seed.")} />
      )}
      {directory?.dealerships.map((d) => (
        <Card key={d.slug}>
          <CardHeader>
            <CardTitle>{d.name}</CardTitle>
            <CardDescription>{d.slug}</CardDescription>
          </CardHeader>
          <CardContent>
            <ul className="divide-y">
              {d.users.map((u) => (
                <li key={u.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <div>
                    <p className="font-medium">{u.name ?? u.email}</p>
                    <p className="text-sm text-muted-foreground">{u.email}</p>
                  </div>
                  <div className="flex items-center gap-2">
                    <Badge variant="secondary">{ROLE_LABEL[u.role]}</Badge>
                    <Button
                      size="sm"
                      onClick={() => signIn(d.slug, u)}
                      disabled={busy !== null}
                      aria-label={`Logg inn som ${u.name ?? u.email} (${ROLE_LABEL[u.role]}, ${d.name})`}
                    >
                      <LogIn aria-hidden /> {busy === u.id ? "Logger inn …" : "Logg inn"}
                    </Button>
                  </div>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ))}
      <p className="sr-only" aria-live="polite">
        {error ? describeError(error) : ""}
      </p>
    </main>
  );
}

export default function Login() {
  return (
    <React.Suspense fallback={<LoadingState />}>
      <LoginPage />
    </React.Suspense>
  );
}
