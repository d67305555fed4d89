import type { Metadata, Viewport } from "next";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Norvalt", template: "%s · Norvalt" },
  description: "Leads, svar og oppfølging for bilforhandlere",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="nb">
      <body className="min-h-screen antialiased">{children}</body>
    </html>
  );
}
