"use client";

import * as React from "react";

import type { Query } from "./api";
import { useSession } from "./session";

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: React.Dispatch<React.SetStateAction<T | undefined>>;
}

/** GETs `path` (none while it is null) and again whenever it or `query` changes. */
export function useResource<T>(path: string | null, query?: Query): Resource<T> {
  const { api } = useSession();
  const [data, setData] = React.useState<T | undefined>(undefined);
  const [error, setError] = React.useState<unknown>(null);
  const [loading, setLoading] = React.useState(path !== null);
  const [attempt, setAttempt] = React.useState(0);
  const key = `${path}?${JSON.stringify(query ?? {})}`;
  React.useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api.get<T>(path, query, controller.signal).then(
      (value) => {
        setData(value);
        setLoading(false);
      },
      (e: unknown) => {
        if ((e as Error)?.name === "AbortError") return;
        setError(e);
        setLoading(false);
      },
    );
    return () => controller.abort();
    // `key` stands for path and query.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, attempt]);
  const reload = React.useCallback(() => setAttempt((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}
