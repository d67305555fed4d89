import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-3 p-4 text-center">
      <h1 className="text-2xl font-semibold">Fant ikke siden</h1>
      <p className="text-muted-foreground">Lenken kan være gammel, eller siden finnes ikke.</p>
      <Link className="text-primary underline" href="/inbox/">
        Til innboksen
      </Link>
    </main>
  );
}
