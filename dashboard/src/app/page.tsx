"use client";

import { useRouter } from "next/navigation";
import * as React from "react";

import { LoadingState } from "@/components/states";

/** `/` opens the inbox (which sends you to sign in first if need be). */
export default function Home() {
  const router = useRouter();
  React.useEffect(() => router.replace("/inbox/"), [router]);
  return <LoadingState label="Åpner innboksen …" />;
}
