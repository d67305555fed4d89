"use client";

import { Bell, BellOff, Keyboard, RefreshCw, Search } from "lucide-react";
import { useRouter } from "next/navigation";
import * as React from "react";

import { PageHeader } from "@/components/app-shell";
import { BulkBar, describeSummary } from "@/components/inbox/bulk-bar";
import { ExportButton } from "@/components/inbox/export-dialog";
import { LeadRow } from "@/components/inbox/lead-row";
import { ShortcutsHelp } from "@/components/inbox/shortcuts-help";
import { StatusDialog } from "@/components/inbox/status-dialog";
import { ViewsBar } from "@/components/inbox/views-bar";
import { PeopleOptions, StatusOptions } from "@/components/options";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { apiQuery, bulkFilter, NO_FILTERS, parseView, viewQuery, type InboxFilters } from "@/lib/inbox-view";
import { LEAD_SOURCES, SOURCE_LABEL } from "@/lib/labels";
import { floorEvents, notificationsWanted, setNotificationsWanted, show } from "@/lib/notifications";
import { seenLeads } from "@/lib/seen";
import { useSession } from "@/lib/session";
import { moveSelection, shortcutFor } from "@/lib/shortcuts";
import type { InboxSetup, Lead, LeadPage, Page, SavedView, User } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

/** How often the inbox asks for changed leads (new ones show within 10 s). */
const POLL_MS = 5000;

function newestUpdate(leads: Lead[], since: string): string {
  return leads.reduce((max, l) => (Date.parse(l.updated_at) > Date.parse(max) ? l.updated_at : max), since);
}

function ordered(leads: Lead[], oldestFirst: boolean): Lead[] {
  const sorted = leads.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  return oldestFirst ? sorted.reverse() : sorted;
}

function readUrl(): InboxFilters {
  return typeof window === "undefined" ? NO_FILTERS : parseView(window.location.search);
}

export default function InboxPage() {
  const { api, me, canManage } = useSession();
  const router = useRouter();
  const myId = me.user?.id;
  const [filters, setFiltersState] = React.useState<InboxFilters>(readUrl);
  const [searchText, setSearchText] = React.useState(filters.q);
  const setFilters = React.useCallback((next: InboxFilters) => {
    setFiltersState(next);
    setSearchText(next.q);
    const q = viewQuery(next);
    window.history.replaceState(null, "", `${window.location.pathname}${q ? `?${q}` : ""}`);
  }, []);
  React.useEffect(() => {
    const back = () => setFiltersState(readUrl());
    window.addEventListener("popstate", back);
    return () => window.removeEventListener("popstate", back);
  }, []);
  const query = React.useMemo(() => apiQuery(filters, myId), [filters, myId]);
  const team = useResource<{ items: User[] }>("/api/users");
  const setup = useResource<InboxSetup>("/api/inbox-setup");
  const tags = setup.data?.tags ?? [];
  const [myViews, setMyViews] = React.useState<SavedView[]>(me.user?.views ?? []);
  // The "Trenger menneske" count: how many leads wait for a person.
  const waiting = useResource<Page<Lead>>("/api/leads", { needs_human: "true", limit: 100 });
  const reloadWaiting = waiting.reload;
  React.useEffect(() => {
    const timer = window.setInterval(reloadWaiting, POLL_MS * 2);
    return () => window.clearInterval(timer);
  }, [reloadWaiting]);
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
  const [selected, setSelected] = React.useState<Set<string>>(new Set());
  const [everyMatching, setEveryMatching] = React.useState(false);
  const [focused, setFocused] = React.useState(-1);
  const [help, setHelp] = React.useState(false);
  const [statusFor, setStatusFor] = React.useState<Lead | null>(null);
  const [notifyOn, setNotifyOn] = React.useState(false);
  // The newest `updated_at` seen: the server's clock, so a browser whose
  // clock is off still misses nothing.
  const watermark = React.useRef<string>("");
  const opened = React.useRef(new Date());
  const [now, setNow] = React.useState(() => new Date());

  React.useEffect(() => {
    setSeen(seenLeads());
    setNotifyOn(notificationsWanted() && typeof Notification !== "undefined" && Notification.permission === "granted");
  }, []);
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
    setSelected(new Set());
    setEveryMatching(false);
    setFocused(-1);
    api.get<LeadPage>("/api/leads", { ...query, limit: 25 }, controller.signal).then(
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

  // Changed and new leads since the last look, merged in place; leads that
  // left the list (deleted, or no longer matching) dropped.
  const openLead = React.useCallback((id: string, extra = "") => router.push(`/lead/?id=${id}${extra}`), [router]);
  React.useEffect(() => {
    if (state.loading || state.error) return;
    let stopped = false;
    const timer = window.setInterval(async () => {
      try {
        // Overlap by a few seconds: a write that committed late is not missed.
        const since = new Date(Date.parse(watermark.current) - 5000).toISOString();
        const page = await api.get<LeadPage>("/api/leads", { ...query, updated_since: since, limit: 100 });
        if (stopped) return;
        watermark.current = newestUpdate(page.items, watermark.current);
        setNow(new Date());
        const removed = new Set(page.removed ?? []);
        if (page.items.length === 0 && removed.size === 0) return;
        setLeads((current) => {
          const known = new Map(current.map((l) => [l.id, l]));
          const edge = current[0]?.created_at ?? "";
          const fresh: Lead[] = [];
          const events = [];
          for (const lead of page.items) {
            const before = known.get(lead.id);
            events.push(...floorEvents(before, lead, myId, opened.current));
            // A new arrival goes on top; an older lead that changed but is not
            // on screen stays where paging will find it.
            if (!before && filters.sort === "newest" && lead.created_at >= edge) fresh.push(lead);
            else if (before && lead.version !== before.version) known.set(lead.id, lead);
          }
          show(events, (id) => openLead(id));
          if (fresh.length) {
            setLive((ids) => new Set([...ids, ...fresh.map((l) => l.id)]));
            setAnnounce(fresh.length === 1 ? "Ett nytt lead" : `${fresh.length} nye leads`);
          }
          const merged = [...fresh, ...current.map((l) => known.get(l.id)!)];
          return ordered(
            merged.filter((l) => !l.deleted_at && !removed.has(l.id)),
            filters.sort === "oldest",
          );
        });
      } catch {
        // A missed poll is retried on the next tick; the list stays as it is.
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [api, query, state.loading, state.error, myId, filters.sort, openLead]);

  async function loadMore() {
    if (!cursor) return;
    setState((s) => ({ ...s, more: true, error: null }));
    try {
      const page = await api.get<LeadPage>("/api/leads", { ...query, limit: 25, cursor });
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

  const assignToMe = React.useCallback(
    async (lead: Lead) => {
      if (!myId || lead.assigned_to === myId) return;
      try {
        const updated = await api.patch<Lead>(`/api/leads/${lead.id}`, { assigned_to: myId });
        setLeads((current) => current.map((l) => (l.id === lead.id ? { ...l, ...updated } : l)));
        setAnnounce("Tildelt deg");
      } catch {
        setAnnounce("Kunne ikke tildele leadet");
      }
    },
    [api, myId],
  );

  // The keyboard: never while typing, never with a dialog open.
  React.useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (help || statusFor) return;
      const action = shortcutFor(event);
      if (!action) return;
      const lead = focused >= 0 ? leads[focused] : undefined;
      switch (action) {
        case "next":
        case "previous": {
          const next = moveSelection(focused, action === "next" ? 1 : -1, leads.length);
          setFocused(next);
          document.querySelector(`[data-row-index="${next}"]`)?.scrollIntoView({ block: "nearest" });
          break;
        }
        case "open":
          if (lead) openLead(lead.id);
          else return;
          break;
        case "reply":
          if (lead) openLead(lead.id, "&reply=1");
          else return;
          break;
        case "assign-me":
          if (lead) void assignToMe(lead);
          else return;
          break;
        case "status":
          if (lead) setStatusFor(lead);
          else return;
          break;
        case "search":
          document.getElementById("search")?.focus();
          break;
        case "help":
          setHelp(true);
          break;
      }
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [help, statusFor, focused, leads, openLead, assignToMe]);

  async function saveView(name: string, shared: boolean) {
    const query = viewQuery(filters);
    if (shared) {
      const views = [...(setup.data?.views ?? []), { name, query }];
      await api.patch<InboxSetup>("/api/inbox-setup", { views });
      setup.reload();
    } else {
      const user = await api.patch<User>("/api/me", { views: [...myViews, { name, query }] });
      setMyViews(user.views ?? []);
    }
  }

  async function removeView(view: SavedView, shared: boolean) {
    if (shared) {
      await api.patch<InboxSetup>("/api/inbox-setup", { views: (setup.data?.views ?? []).filter((v) => v.id !== view.id) });
      setup.reload();
    } else {
      const user = await api.patch<User>("/api/me", { views: myViews.filter((v) => v.id !== view.id) });
      setMyViews(user.views ?? []);
    }
  }

  async function toggleNotifications() {
    if (notifyOn) {
      setNotificationsWanted(false);
      setNotifyOn(false);
      return;
    }
    if (typeof Notification === "undefined") return;
    const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
    setNotificationsWanted(permission === "granted");
    setNotifyOn(permission === "granted");
  }

  const users = React.useMemo(() => new Map((team.data?.items ?? []).map((u) => [u.id, u])), [team.data]);
  const set = (patch: Partial<InboxFilters>) => setFilters({ ...filters, ...patch });
  const filtered = viewQuery(filters) !== "";
  const unread = (lead: Lead) => !seen.has(lead.id) && (live.has(lead.id) || lead.status === "new");
  const allOnPage = leads.length > 0 && leads.every((l) => selected.has(l.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      setEveryMatching(false);
      return next;
    });
  const waitingCount = waiting.data?.items.length ?? 0;

  return (
    <>
      <PageHeader
        title="Innboks"
        description="Alle leads fra nettside, Facebook, e-post og SMS. Oppdateres av seg selv."
        actions={
          <div className="flex gap-2">
            <ExportButton />
            <Button variant="outline" size="sm" onClick={toggleNotifications} aria-pressed={notifyOn} data-testid="notify-toggle">
              {notifyOn ? <Bell aria-hidden /> : <BellOff aria-hidden />} {notifyOn ? "Varsler på" : "Varsler av"}
            </Button>
            <Button variant="outline" size="sm" onClick={() => setHelp(true)} aria-label="Hurtigtaster">
              <Keyboard aria-hidden />
            </Button>
            <Button variant="outline" size="sm" onClick={() => setAttempt((n) => n + 1)}>
              <RefreshCw aria-hidden /> Oppdater
            </Button>
          </div>
        }
      />
      <ViewsBar
        filters={filters}
        shared={setup.data?.views ?? []}
        mine={myViews}
        canShare={canManage}
        onPick={(q) => setFilters(parseView(q))}
        onSave={saveView}
        onRemove={removeView}
        counts={{ "needs-human": waitingCount }}
      />
      <form
        className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: searchText });
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
            <option value="none">Ingen</option>
            <PeopleOptions users={team.data?.items ?? []} except={myId} />
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-tag">Etikett</Label>
          <NativeSelect id="filter-tag" value={filters.tag} onChange={(e) => set({ tag: e.target.value })}>
            <option value="">Alle</option>
            {tags.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-sort">Sortering</Label>
          <NativeSelect
            id="filter-sort"
            value={filters.sort}
            onChange={(e) => set({ sort: e.target.value === "oldest" ? "oldest" : "newest" })}
          >
            <option value="newest">Nyeste først</option>
            <option value="oldest">Eldste først</option>
          </NativeSelect>
        </div>
        <div className="col-span-2 grid grid-cols-2 gap-2 xl:col-span-2">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="filter-from">Fra</Label>
            <Input id="filter-from" type="date" value={filters.from} onChange={(e) => set({ from: e.target.value, today: false })} />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="filter-to">Til</Label>
            <Input id="filter-to" type="date" value={filters.to} onChange={(e) => set({ to: e.target.value, today: false })} />
          </div>
        </div>
      </form>
      <div className="mb-2 flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={filters.overdue} onChange={(e) => set({ overdue: e.target.checked })} data-testid="filter-overdue" />
          Bare forfalte
        </label>
        {filtered && (
          <Button variant="link" size="sm" className="px-0" onClick={() => setFilters(NO_FILTERS)}>
            Nullstill filtre
          </Button>
        )}
      </div>
      <p className="sr-only" aria-live="polite" data-testid="inbox-announce">
        {announce}
      </p>
      {(selected.size > 0 || everyMatching) && (
        <BulkBar
          selected={[...selected]}
          everyMatching={everyMatching}
          filter={bulkFilter(filters, myId)}
          team={team.data?.items ?? []}
          tags={tags}
          onClear={() => {
            setSelected(new Set());
            setEveryMatching(false);
          }}
          onDone={(summary) => {
            setAnnounce(describeSummary(summary));
            setSelected(new Set());
            setEveryMatching(false);
            setAttempt((n) => n + 1);
          }}
        />
      )}
      {announce && !state.loading && (
        <p className="mb-2 text-sm text-muted-foreground" data-testid="inbox-status">
          {announce}
        </p>
      )}
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
          <div className="flex flex-wrap items-center gap-3 border-b bg-muted/40 px-3 py-2 text-xs font-medium uppercase tracking-wide text-muted-foreground">
            <label className="flex items-center gap-2 normal-case">
              <input
                type="checkbox"
                checked={allOnPage}
                data-testid="select-page"
                onChange={(e) => {
                  setEveryMatching(false);
                  setSelected(e.target.checked ? new Set(leads.map((l) => l.id)) : new Set());
                }}
              />
              Velg alle viste
            </label>
            {allOnPage && cursor && !everyMatching && (
              <Button variant="link" size="sm" className="h-auto px-0 normal-case" data-testid="select-every-matching" onClick={() => setEveryMatching(true)}>
                Velg alle som passer filteret
              </Button>
            )}
            {everyMatching && <span className="normal-case">Alle som passer filteret er valgt</span>}
          </div>
          <ul className="divide-y" aria-label="Leads" data-testid="lead-list">
            {leads.map((lead, index) => (
              <LeadRow
                key={lead.id}
                lead={lead}
                index={index}
                assignee={lead.assigned_to ? users.get(lead.assigned_to) : undefined}
                tags={tags}
                now={now}
                unread={unread(lead)}
                focused={index === focused}
                selected={everyMatching || selected.has(lead.id)}
                onToggle={() => toggle(lead.id)}
              />
            ))}
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
      <ShortcutsHelp open={help} onOpenChange={setHelp} />
      <StatusDialog
        lead={statusFor}
        onClose={() => setStatusFor(null)}
        onSaved={(updated) => {
          setLeads((current) => current.map((l) => (l.id === updated.id ? { ...l, ...updated } : l)));
          setStatusFor(null);
        }}
      />
    </>
  );
}
