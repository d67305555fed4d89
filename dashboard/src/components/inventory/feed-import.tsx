"use client";

import { Upload } from "lucide-react";
import * as React from "react";

import { InlineError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useSession } from "@/lib/session";
import { useAction } from "@/lib/use-action";

interface RowNote {
  row: number;
  field: string | null;
  reason: string;
}

interface ImportReport {
  added: number;
  updated: number;
  unchanged: number;
  retired: number;
  refused: RowNote[];
  notes: RowNote[];
}

/** The dealership's stock list (CSV or XML, as its website or dealer
 * system exports it) imported by hand; the report says what changed and
 * which rows were left out, and why. */
export function FeedImport({ onImported }: { onImported: () => void }) {
  const { api } = useSession();
  const { busy, error, run } = useAction();
  const [report, setReport] = React.useState<ImportReport | null>(null);
  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const file = new FormData(e.currentTarget).get("feed");
    if (!(file instanceof File) || file.size === 0) return;
    const type = file.name.toLowerCase().endsWith(".xml") ? "application/xml" : "text/csv";
    const done = await run(() => api.upload<ImportReport>("/api/vehicles/import", file, type));
    if (done) {
      setReport(done);
      onImported();
    }
  }

  const problems = report ? [...report.refused.map((r) => ({ ...r, kept: false })), ...report.notes.map((r) => ({ ...r, kept: true }))] : [];
  return (
    <Card className="mb-4">
      <CardHeader>
        <CardTitle>Importer lagerliste</CardTitle>
        <CardDescription>
          CSV eller XML slik nettsiden eller forhandlersystemet eksporterer den. Biler kjennes igjen på lagernummer eller chassisnummer; biler som ikke
          lenger er med i listen, merkes som solgt.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <form className="flex flex-wrap items-end gap-2" onSubmit={submit} data-testid="feed-import">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="feed-file">Fil (CSV eller XML, maks 5 MB)</Label>
            <Input id="feed-file" name="feed" type="file" accept=".csv,.xml,text/csv,application/xml,text/xml" required />
          </div>
          <Button type="submit" disabled={busy}>
            <Upload aria-hidden /> {busy ? "Importerer …" : "Importer"}
          </Button>
        </form>
        <InlineError error={error} />
        {report && (
          <p role="status" data-testid="import-summary">
            {report.added} lagt til, {report.updated} oppdatert, {report.unchanged} uendret, {report.retired} merket som solgt.
            {report.refused.length > 0 ? ` ${report.refused.length} rader ble ikke importert.` : ""}
          </p>
        )}
        {problems.length > 0 && (
          <Table aria-label="Rader med feil">
            <TableHeader>
              <TableRow>
                <TableHead>Rad</TableHead>
                <TableHead>Felt</TableHead>
                <TableHead>Hva skjedde</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {problems.map((p, i) => (
                <TableRow key={i}>
                  <TableCell>{p.row}</TableCell>
                  <TableCell>{p.field ?? "–"}</TableCell>
                  <TableCell>{p.kept ? `Verdien ble utelatt: ${p.reason}` : `Ikke importert: ${p.reason}`}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
