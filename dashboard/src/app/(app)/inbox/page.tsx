"use client";

import { RefreshCw, Search, UserRoundCheck } from "lucide-react";
import Link from "next/link";
import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { AnsweredMark, ScoreBadge, SourceIcon, StatusBadge } from "@/components/lead-bits";
import { PeopleOptions, StatusOptions } from "@/components/options";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import type { Query } from "@/lib/api";
import { formatDateTime, formatRelative, osloMidnight } from "@/lib/format";
import { LEAD_SOURCES, SOURCE_LABEL } from "@/lib/labels";
import { seenLeads } from "@/lib/seen";
import { useSession } from "@/lib/session";
import type { Lead, Page, User } from "@/lib/types";
import { useResource } from "@/lib/use-resource";
import { cn } from "@/lib/utils";

/** How often the inbox asks for changed leads (new ones show within 10 s). */
const POLL_MS = 5000;

interface Filters {
  status: string;
  source: string;
  assigned: string; // "" anyone, "me", or a user id
  from: string; // Oslo day YYYY-MM-DD
  to: string;
  search: string;
  needsHuman: boolean;
}

const NO_FILTERS: Filters = { status: "", source: "", assigned: "", from: "", to: "", search: "", needsHuman: false };

function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function newestUpdate(leads: Lead[], since: string): string {
  return leads.reduce((max, l) => (Date.parse(l.updated_at) > Date.parse(max) ? l.updated_at : max), since);
}

function toQuery(f: Filters, me: string | undefined): Query {
  return {
    status: f.status || undefined,
    source: f.source || undefined,
    assigned_to: f.assigned === "me" ? me : f.assigned || undefined,
    created_after: f.from ? osloMidnight(f.from).toISOString() : undefined,
    created_before: f.to ? osloMidnight(nextDay(f.to)).toISOString() : undefined,
    search: f.search.trim() || undefined,
    needs_human: f.needsHuman ? "true" : undefined,
  };
}

export default function InboxPage() {
  const { api, me } = useSession();
  const [filters, setFilters] = React.useState<Filters>(NO_FILTERS);
  const [searchText, setSearchText] = React.useState("");
  const query = React.useMemo(() => toQuery(filters, me.user?.id), [filters, me.user?.id]);
  const team = useResource<{ items: User[] }>("/api/users");
  // The "Trenger menneske" badge: how many leads wait for a person.
  const waiting = useResource<Page<Lead>>("/api/leads", { needs_human: "true", limit: 100 });
  const reloadWaiting = waiting.reload;
  React.useEffect(() => {
    const timer = window.setInterval(reloadWaiting, POLL_MS * 2);
    return () => window.clearInterval(timer);
  }, [reloadWaiting]);
  const waitingCount = waiting.data?.items.length ?? 0;
  const [leads, setLeads] = React.useState<Lead[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [state, setState] = React.useState<{ loading: boolean; error: unknown; more: boolean }>({
    loading: true,
    error: null,
    more: false,
  });
  const [live, setLive] = React.useState<Set<string>>(new Set());
  const [seen, setSeen] = React.useState<Set<string>>(new Set());
  const [attempt, setAttempt] = React.useState(0);
  const [announce, setAnnounce] = React.useState("");
  // The newest `updated_at` seen: the server's clock, so a browser whose
  // clock is off still misses nothing.
  const watermark = React.useRef<string>("");
  const [now, setNow] = React.useState(() => new Date());

  React.useEffect(() => setSeen(seenLeads()), []);
  // When the first page is on screen (read by the benchmark, bench/inbox.mjs).
  const shown = React.useRef(false);
  React.useEffect(() => {
    if (leads.length === 0 || shown.current) return;
    shown.current = true;
    performance.mark("norvalt:inbox-rows");
  }, [leads]);

  // First page for these filters.
  React.useEffect(() => {
    const controller = new AbortController();
    setState({ loading: true, error: null, more: false });
    api.get<Page<Lead>>("/api/leads", { ...query, limit: 25 }, controller.signal).then(
      (page) => {
        performance.mark("norvalt:inbox-loaded");
        setLeads(page.items);
        setCursor(page.next_cursor);
        setLive(new Set());
        watermark.current = newestUpdate(page.items, "1970-01-01T00:00:00Z");
        setState({ loading: false, error: null, more: false });
      },
      (error) => {
        if ((error as Error)?.name === "AbortError") return;
        setState({ loading: false, error, more: false });
      },
    );
    return () => controller.abort();
  }, [api, query, attempt]);

  // Changed and new leads since the last look, merged in place.
  React.useEffect(() => {
    if (state.loading || state.error) return;
    let stopped = false;
    const timer = window.setInterval(async () => {
      try {
        // Overlap by a few seconds: a write that committed late is not missed.
        const since = new Date(Date.parse(watermark.current) - 5000).toISOString();
        const page = await api.get<Page<Lead>>("/api/leads", { ...query, updated_since: since, limit: 100 });
        if (stopped) return;
        watermark.current = newestUpdate(page.items, watermark.current);
        setNow(new Date());
        if (page.items.length === 0) return;
        setLeads((current) => {
          const known = new Map(current.map((l) => [l.id, l]));
          const newest = current[0]?.created_at ?? "";
          const fresh: Lead[] = [];
          for (const lead of page.items) {
            const before = known.get(lead.id);
            // A new arrival goes on top; an older lead that changed but is not
            // on screen stays where paging will find it.
            if (!before && lead.created_at >= newest) fresh.push(lead);
            else if (before && lead.version !== before.version) known.set(lead.id, lead);
          }
          if (fresh.length) {
            setLive((ids) => new Set([...ids, ...fresh.map((l) => l.id)]));
            setAnnounce(fresh.length === 1 ? "Ett nytt lead" : `${fresh.length} nye leads`);
          }
          const merged = [...fresh, ...current.map((l) => known.get(l.id)!)];
          return merged
            .filter((l) => !l.deleted_at)
            .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
        });
      } catch {
        // A missed poll is retried on the next tick; the list stays as it is.
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [api, query, state.loading, state.error]);

  async function loadMore() {
    if (!cursor) return;
    setState((s) => ({ ...s, more: true, error: null }));
    try {
      const page = await api.get<Page<Lead>>("/api/leads", { ...query, limit: 25, cursor });
      setLeads((current) => {
        const ids = new Set(current.map((l) => l.id));
        return [...current, ...page.items.filter((l) => !ids.has(l.id))];
      });
      setCursor(page.next_cursor);
      setState({ loading: false, error: null, more: false });
    } catch (error) {
      setState({ loading: false, error, more: false });
    }
  }

  const users = React.useMemo(() => new Map((team.data?.items ?? []).map((u) => [u.id, u])), [team.data]);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const unread = (lead: Lead) => !seen.has(lead.id) && (live.has(lead.id) || lead.status === "new");

  return (
    <>
      <PageHeader
        title="Innboks"
        description="Alle leads fra nettside, Facebook, e-post og SMS, nyeste først. Oppdateres av seg selv."
        actions={
          <Button variant="outline" size="sm" onClick={() => setAttempt((n) => n + 1)}>
            <RefreshCw aria-hidden /> Oppdater
          </Button>
        }
      />
      <div className="mb-3 flex flex-wrap gap-2" role="group" aria-label="Visning">
        <Button
          variant={filters.needsHuman ? "outline" : "secondary"}
          size="sm"
          aria-pressed={!filters.needsHuman}
          onClick={() => set({ needsHuman: false })}
        >
          Alle leads
        </Button>
        <Button
          variant={filters.needsHuman ? "secondary" : "outline"}
          size="sm"
          aria-pressed={filters.needsHuman}
          data-testid="needs-human-view"
          onClick={() => set({ needsHuman: true })}
        >
          <UserRoundCheck aria-hidden /> Trenger menneske
          {waitingCount > 0 && (
            <span className="ml-1 rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-white" data-testid="needs-human-count">
              {waitingCount >= 100 ? "99+" : waitingCount}
            </span>
          )}
        </Button>
      </div>
      <form
        className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set({ search: searchText });
        }}
      >
        <div className="col-span-2 flex flex-col gap-1.5">
          <Label htmlFor="search">Søk</Label>
          <div className="flex gap-2">
            <Input
              id="search"
              type="search"
              placeholder="Navn, e-post, telefon, bil …"
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
            />
            <Button type="submit" variant="secondary" aria-label="Søk">
              <Search aria-hidden />
            </Button>
          </div>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-status">Status</Label>
          <NativeSelect id="filter-status" value={filters.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">Alle</option>
            <StatusOptions />
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-source">Kilde</Label>
          <NativeSelect id="filter-source" value={filters.source} onChange={(e) => set({ source: e.target.value })}>
            <option value="">Alle</option>
            {LEAD_SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABEL[s]}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-assigned">Tildelt</Label>
          <NativeSelect id="filter-assigned" value={filters.assigned} onChange={(e) => set({ assigned: e.target.value })}>
            <option value="">Alle</option>
            {me.user && <option value="me">Meg</option>}
            <PeopleOptions users={team.data?.items ?? []} except={me.user?.id} />
          </NativeSelect>
        </div>
        <div className="col-span-2 grid grid-cols-2 gap-2">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="filter-from">Fra</Label>
            <Input id="filter-from" type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="filter-to">Til</Label>
            <Input id="filter-to" type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
          </div>
        </div>
      </form>
      {filtered && (
        <Button
          variant="link"
          size="sm"
          className="mb-2 px-0"
          onClick={() => {
            setFilters(NO_FILTERS);
            setSearchText("");
          }}
        >
          Nullstill filtre
        </Button>
      )}
      <p className="sr-only" aria-live="polite" data-testid="inbox-announce">
        {announce}
      </p>
      {state.loading && <LoadingState label="Henter leads …" />}
      {!state.loading && state.error && leads.length === 0 ? (
        <ErrorState error={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      ) : null}
      {!state.loading && !state.error && leads.length === 0 && (
        <EmptyState
          title={filters.needsHuman ? "Ingen leads venter på en person" : filtered ? "Ingen leads passer filtrene" : "Ingen leads ennå"}
          description={
            filtered
              ? "Prøv et annet søk eller nullstill filtrene."
              : "Nye henvendelser fra nettsiden, Facebook og importørportalene dukker opp her med en gang."
          }
        />
      )}
      {!state.loading && leads.length > 0 && (
        <div className="rounded-lg border">
        <div
          aria-hidden
          className="hidden gap-x-3 border-b bg-muted/40 px-3 py-2 text-xs font-medium uppercase tracking-wide text-muted-foreground md:grid md:grid-cols-[auto_minmax(0,2fr)_minmax(0,2fr)_7rem_3rem_minmax(0,1fr)_7rem]"
        >
          <span className="w-4" />
          <span>Kunde</span>
          <span>Bil</span>
          <span>Status</span>
          <span>Score</span>
          <span>Tildelt</span>
          <span className="text-right">Mottatt</span>
        </div>
        <ul className="divide-y" aria-label="Leads" data-testid="lead-list">
          {leads.map((lead) => {
            const assignee = lead.assigned_to ? users.get(lead.assigned_to) : undefined;
            const isUnread = unread(lead);
            return (
              <li key={lead.id} data-testid="lead-row" data-lead-id={lead.id} data-unread={isUnread || undefined}>
                <Link
                  href={`/lead/?id=${lead.id}`}
                  prefetch={false}
                  className="grid grid-cols-[auto_1fr_auto] items-center gap-x-3 gap-y-1 px-3 py-3 hover:bg-muted/50 focus-visible:bg-muted/50 focus-visible:outline-none md:grid-cols-[auto_minmax(0,2fr)_minmax(0,2fr)_7rem_3rem_minmax(0,1fr)_7rem]"
                >
                  <span className="flex w-4 justify-center">
                    {isUnread && (
                      <span className="h-2.5 w-2.5 rounded-full bg-sky-600" title="Ulest">
                        <span className="sr-only">Ulest</span>
                      </span>
                    )}
                  </span>
                  <span className="min-w-0">
                    <span className={cn("block truncate", isUnread ? "font-semibold" : "font-medium")}>
                      {lead.customer_name ?? lead.customer_email ?? lead.customer_phone ?? "Ukjent kunde"}
                    </span>
                    <span className="flex items-center gap-2 text-xs text-muted-foreground md:hidden">
                      <SourceIcon source={lead.source} /> {lead.vehicle_interest ?? "Ingen bil oppgitt"}
                    </span>
                  </span>
                  <span className="text-right text-xs text-muted-foreground md:hidden">
                    <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)}>
                      {formatRelative(lead.created_at, now)}
                    </time>
                  </span>
                  <span className="hidden min-w-0 items-center gap-2 md:flex">
                    <SourceIcon source={lead.source} />
                    <span className="truncate text-sm">{lead.vehicle_interest ?? "–"}</span>
                  </span>
                  <span className="col-start-2 flex flex-wrap items-center gap-2 md:col-start-auto">
                    <StatusBadge status={lead.status} />
                    {lead.handover && (
                      <Badge variant="warning" data-testid="needs-human-badge">
                        Trenger menneske
                      </Badge>
                    )}
                    <span className="md:hidden">
                      <AnsweredMark lead={lead} />
                    </span>
                  </span>
                  <span className="hidden md:block">
                    <ScoreBadge score={lead.lead_score} />
                  </span>
                  <span className="hidden truncate text-sm text-muted-foreground md:block">
                    {assignee ? (assignee.name ?? assignee.email) : "Ikke tildelt"}
                  </span>
                  <span className="hidden flex-col items-end text-xs md:flex">
                    <time dateTime={lead.created_at} title={formatDateTime(lead.created_at)} className="text-muted-foreground">
                      {formatRelative(lead.created_at, now)}
                    </time>
                    <AnsweredMark lead={lead} />
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
        </div>
      )}
      {state.error && leads.length > 0 ? <ErrorState className="mt-3" error={state.error} onRetry={loadMore} /> : null}
      {cursor && !state.loading && (
        <div className="mt-4 flex justify-center">
          <Button variant="outline" onClick={loadMore} disabled={state.more}>
            {state.more ? "Henter …" : "Vis flere"}
          </Button>
        </div>
      )}
    </>
  );
}
