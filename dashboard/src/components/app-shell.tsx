"use client";

import { BarChart3, CalendarDays, Car, Inbox, LogOut, Settings, SlidersHorizontal, Workflow } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { ROLE_LABEL } from "@/lib/labels";
import { useSession } from "@/lib/session";
import { cn } from "@/lib/utils";

const NAV = [
  { href: "/inbox/", label: "Innboks", icon: Inbox, adminOnly: false },
  { href: "/calendar/", label: "Kalender", icon: CalendarDays, adminOnly: false },
  { href: "/inventory/", label: "Lager", icon: Car, adminOnly: false },
  { href: "/automations/", label: "Oppfølging", icon: Workflow, adminOnly: false },
  { href: "/analytics/", label: "Analyse", icon: BarChart3, adminOnly: false },
  { href: "/setup/", label: "Oppsett", icon: SlidersHorizontal, adminOnly: false },
  { href: "/settings/", label: "Innstillinger", icon: Settings, adminOnly: true },
];

export function AppShell({ children }: { children: React.ReactNode }) {
  const session = useSession();
  const pathname = usePathname();
  const items = NAV.filter((item) => !item.adminOnly || session.isAdmin);
  const active = (href: string) =>
    pathname === href || pathname.startsWith(href) || (href === "/inbox/" && pathname.startsWith("/lead"));
  const name = session.me.user?.name ?? session.me.user?.email ?? "Ukjent bruker";
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-background focus:p-2">
        Hopp til innholdet
      </a>
      <aside className="border-b bg-muted/40 md:sticky md:top-0 md:flex md:h-screen md:w-56 md:flex-col md:border-b-0 md:border-r">
        <div className="flex items-center justify-between gap-2 px-4 py-3">
          <Link href="/inbox/" className="text-lg font-bold tracking-tight text-primary">
            Norvalt
          </Link>
          <span className="truncate text-xs text-muted-foreground md:hidden" data-testid="dealership-name">
            {session.me.dealership.name}
          </span>
        </div>
        <nav aria-label="Hovedmeny" className="overflow-x-auto px-2 pb-2 md:flex-1">
          <ul className="flex gap-1 md:flex-col">
            {items.map(({ href, label, icon: Icon }) => (
              <li key={href}>
                <Link
                  href={href}
                  prefetch={false}
                  aria-current={active(href) ? "page" : undefined}
                  className={cn(
                    "flex items-center gap-2 whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium hover:bg-accent",
                    active(href) && "bg-accent text-accent-foreground",
                  )}
                >
                  <Icon className="h-4 w-4" aria-hidden />
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="hidden border-t p-4 text-sm md:block">
          <p className="font-medium" data-testid="dealership-name-desktop">
            {session.me.dealership.name}
          </p>
          <p className="text-muted-foreground" data-testid="signed-in-as">
            {name} · {ROLE_LABEL[session.me.role]}
          </p>
          <div className="mt-3">
            <AccountControls />
          </div>
        </div>
      </aside>
      <main id="main" className="flex-1 px-4 py-4 md:px-8 md:py-6">
        {children}
        <div className="mt-8 flex items-center justify-between border-t pt-4 text-sm text-muted-foreground md:hidden">
          <span>
            {name} · {ROLE_LABEL[session.me.role]}
          </span>
          <AccountControls />
        </div>
      </main>
    </div>
  );
}

/** Clerk's switcher and user button in the cloud; a sign-out button locally. */
function AccountControls() {
  const session = useSession();
  return (
    session.accountControls ?? (
      <Button variant="outline" size="sm" onClick={session.signOut}>
        <LogOut aria-hidden /> Logg ut
      </Button>
    )
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: React.ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="text-sm text-muted-foreground">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
    </div>
  );
}
