"use client";

import * as React from "react";
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { PageHeader } from "@/components/app-shell";
import { EmptyState, ErrorState, LoadingState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDuration, formatNumber, formatPercent, osloDay } from "@/lib/format";
import { SOURCE_LABEL, STATUS_LABEL } from "@/lib/labels";
import type { LeadSource } from "@/lib/types";
import { useResource } from "@/lib/use-resource";

interface Summary {
  from: string;
  to: string;
  leads: number;
  leads_by_source: Record<string, number>;
  first_response: { answered: number; median_secs: number | null; p90_secs: number | null; within_90s_share: number | null };
  conversion: { won: number; rate: number | null; by_source: Record<string, { leads: number; won: number; rate: number | null }> };
  funnel: Record<"new" | "contacted" | "qualified" | "won" | "lost", number>;
  reps: {
    user_id: string;
    name: string | null;
    assigned: number;
    won: number;
    median_first_human_response_secs: number | null;
    booked?: number;
    show_rate?: number | null;
    within_target_share?: number | null;
  }[];
  response_targets?: { due: number; met: number; within_target_share: number | null; median_first_human_secs: number | null };
  bookings?: { booked: number; showed: number; no_show: number; booked_rate: number | null; show_rate: number | null };
  ai: { messages: number; fallbacks: number; fallback_rate: number | null; tokens: number; cost_per_1000_replies_usd?: number | null };
  sms: { segments: number; cost_nok: number };
}

interface Series {
  points: { period: string; value: number | null }[];
}

function daysAgo(n: number): string {
  return osloDay(new Date(Date.now() - n * 86_400_000));
}

const PRESETS = [
  { label: "7 dager", days: 6 },
  { label: "30 dager", days: 29 },
  { label: "90 dager", days: 89 },
];

const shortDay = (period: string) => {
  const [, m, d] = period.split("-");
  return d && m ? `${Number(d)}.${Number(m)}.` : period;
};

export default function AnalyticsPage() {
  const [range, setRange] = React.useState(() => ({ from: daysAgo(29), to: daysAgo(0) }));
  const granularity = daysBetween(range.from, range.to) > 62 ? "week" : "day";
  const summary = useResource<Summary>("/api/analytics/summary", range);
  const leads = useResource<Series>("/api/analytics/timeseries", { ...range, metric: "leads", granularity });
  const response = useResource<Series>("/api/analytics/timeseries", { ...range, metric: "first_response_median_secs", granularity });
  const s = summary.data;
  return (
    <>
      <PageHeader title="Analyse" description="Tall per dag i norsk tid. Oppdateres hvert minutt." />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="range-from">Fra</Label>
          <Input id="range-from" type="date" value={range.from} max={range.to} onChange={(e) => e.target.value && setRange((r) => ({ ...r, from: e.target.value }))} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="range-to">Til</Label>
          <Input id="range-to" type="date" value={range.to} min={range.from} onChange={(e) => e.target.value && setRange((r) => ({ ...r, to: e.target.value }))} />
        </div>
        <div className="flex gap-1">
          {PRESETS.map((p) => (
            <Button key={p.label} variant="outline" size="sm" onClick={() => setRange({ from: daysAgo(p.days), to: daysAgo(0) })}>
              {p.label}
            </Button>
          ))}
        </div>
      </div>
      {summary.loading && !s && <LoadingState label="Henter tall …" />}
      {summary.error ? <ErrorState error={summary.error} onRetry={summary.reload} /> : null}
      {s && (
        <div className="flex flex-col gap-4" data-testid="analytics">
          <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Stat title="Leads" value={formatNumber(s.leads)} note={`${shortDay(s.from)}–${shortDay(s.to)}`} />
            <Stat title="Første svar (median)" value={formatDuration(s.first_response.median_secs)} note={`p90: ${formatDuration(s.first_response.p90_secs)}`} />
            <Stat title="Besvart innen 90 s" value={formatPercent(s.first_response.within_90s_share)} note={`${formatNumber(s.first_response.answered)} besvart`} />
            <Stat title="Konvertering" value={formatPercent(s.conversion.rate)} note={`${formatNumber(s.conversion.won)} vunnet`} />
            {s.response_targets && (
              <Stat
                title="Person innen svarfrist"
                value={formatPercent(s.response_targets.within_target_share)}
                note={`median ${formatDuration(s.response_targets.median_first_human_secs)} til en person svarte`}
              />
            )}
            {s.bookings && (
              <>
                <Stat title="Booket" value={formatPercent(s.bookings.booked_rate)} note={`${formatNumber(s.bookings.booked)} leads med avtale`} />
                <Stat
                  title="Møtte opp"
                  value={formatPercent(s.bookings.show_rate)}
                  note={`${formatNumber(s.bookings.showed)} møtte, ${formatNumber(s.bookings.no_show)} møtte ikke`}
                />
              </>
            )}
          </div>
          {s.leads === 0 ? (
            <EmptyState title="Ingen leads i perioden" description="Velg en lengre periode, eller vent til de første leadene kommer." />
          ) : (
            <div className="grid gap-4 lg:grid-cols-2">
              <ChartCard title="Leads per kilde">
                <BarChart data={Object.entries(s.leads_by_source).map(([k, v]) => ({ name: SOURCE_LABEL[k as LeadSource] ?? k, value: v }))}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="name" fontSize={12} />
                  <YAxis allowDecimals={false} fontSize={12} width={32} />
                  <Tooltip />
                  <Bar dataKey="value" name="Leads" fill="var(--color-primary)" radius={4} />
                </BarChart>
              </ChartCard>
              <ChartCard title={granularity === "day" ? "Leads per dag" : "Leads per uke"} error={leads.error}>
                <BarChart data={(leads.data?.points ?? []).map((p) => ({ name: shortDay(p.period), value: p.value ?? 0 }))}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="name" fontSize={12} />
                  <YAxis allowDecimals={false} fontSize={12} width={32} />
                  <Tooltip />
                  <Bar dataKey="value" name="Leads" fill="var(--color-primary)" radius={4} />
                </BarChart>
              </ChartCard>
              <ChartCard title="Første svar, median (sekunder)" error={response.error}>
                <LineChart data={(response.data?.points ?? []).map((p) => ({ name: shortDay(p.period), value: p.value }))}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="name" fontSize={12} />
                  <YAxis fontSize={12} width={40} />
                  <Tooltip />
                  <Line type="monotone" dataKey="value" name="Sekunder" stroke="var(--color-primary)" connectNulls dot />
                </LineChart>
              </ChartCard>
              <Card>
                <CardHeader>
                  <CardTitle>Trakt</CardTitle>
                  <CardDescription>Hvor leadene i perioden står nå.</CardDescription>
                </CardHeader>
                <CardContent>
                  <ul className="flex flex-col gap-2" aria-label="Trakt">
                    {(["new", "contacted", "qualified", "won", "lost"] as const).map((k) => (
                      <li key={k} className="grid grid-cols-[7rem_1fr_3rem] items-center gap-2 text-sm">
                        <span>{STATUS_LABEL[k]}</span>
                        <span className="h-3 rounded bg-muted" aria-hidden>
                          <span className="block h-3 rounded bg-primary" style={{ width: `${s.leads ? (100 * s.funnel[k]) / s.leads : 0}%` }} />
                        </span>
                        <span className="text-right tabular-nums">{formatNumber(s.funnel[k])}</span>
                      </li>
                    ))}
                  </ul>
                </CardContent>
              </Card>
            </div>
          )}
          <div className="grid gap-4 lg:grid-cols-2">
            <Card>
              <CardHeader>
                <CardTitle>Konvertering per kilde</CardTitle>
              </CardHeader>
              <CardContent>
                <Table>
                  <TableHeader>
                    <TableRow>
                      <TableHead>Kilde</TableHead>
                      <TableHead className="text-right">Leads</TableHead>
                      <TableHead className="text-right">Vunnet</TableHead>
                      <TableHead className="text-right">Andel</TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {Object.entries(s.conversion.by_source).map(([k, v]) => (
                      <TableRow key={k}>
                        <TableCell>{SOURCE_LABEL[k as LeadSource] ?? k}</TableCell>
                        <TableCell className="text-right">{formatNumber(v.leads)}</TableCell>
                        <TableCell className="text-right">{formatNumber(v.won)}</TableCell>
                        <TableCell className="text-right">{formatPercent(v.rate)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </CardContent>
            </Card>
            <Card>
              <CardHeader>
                <CardTitle>Selgere</CardTitle>
              </CardHeader>
              <CardContent>
                {s.reps.length === 0 ? (
                  <p className="text-sm text-muted-foreground">Ingen leads er tildelt selgere i perioden.</p>
                ) : (
                  <Table data-testid="rep-table">
                    <TableHeader>
                      <TableRow>
                        <TableHead>Selger</TableHead>
                        <TableHead className="text-right">Tildelt</TableHead>
                        <TableHead className="text-right">Vunnet</TableHead>
                        <TableHead className="text-right">Eget første svar</TableHead>
                        <TableHead className="text-right">Booket</TableHead>
                        <TableHead className="text-right">Møtte opp</TableHead>
                        <TableHead className="text-right">Innen frist</TableHead>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {s.reps.map((r) => (
                        <TableRow key={r.user_id}>
                          <TableCell>{r.name ?? "Ukjent"}</TableCell>
                          <TableCell className="text-right">{formatNumber(r.assigned)}</TableCell>
                          <TableCell className="text-right">{formatNumber(r.won)}</TableCell>
                          <TableCell className="text-right">{formatDuration(r.median_first_human_response_secs)}</TableCell>
                          <TableCell className="text-right">{formatNumber(r.booked ?? 0)}</TableCell>
                          <TableCell className="text-right">{formatPercent(r.show_rate ?? null)}</TableCell>
                          <TableCell className="text-right">{formatPercent(r.within_target_share ?? null)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                )}
              </CardContent>
            </Card>
          </div>
          <p className="text-xs text-muted-foreground">
            AI: {formatNumber(s.ai.messages)} svar, {formatPercent(s.ai.fallback_rate)} fra mal
            {s.ai.cost_per_1000_replies_usd != null ? `, ${s.ai.cost_per_1000_replies_usd.toFixed(2)} USD per 1000 svar` : ""}. SMS: {formatNumber(s.sms.segments)} segmenter.
          </p>
        </div>
      )}
    </>
  );
}

function daysBetween(from: string, to: string) {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

function Stat({ title, value, note }: { title: string; value: string; note?: string }) {
  return (
    <Card>
      <CardHeader className="pb-1">
        <CardDescription>{title}</CardDescription>
      </CardHeader>
      <CardContent>
        <p className="text-2xl font-semibold tabular-nums">{value}</p>
        {note && <p className="text-xs text-muted-foreground">{note}</p>}
      </CardContent>
    </Card>
  );
}

function ChartCard({ title, error, children }: { title: string; error?: unknown; children: React.ReactElement }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardContent>
        {error ? (
          <ErrorState error={error} />
        ) : (
          <div className="h-56" role="img" aria-label={title}>
            <ResponsiveContainer width="100%" height="100%">
              {children}
            </ResponsiveContainer>
          </div>
        )}
      </CardContent>
    </Card>
  );
}
