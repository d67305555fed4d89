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

/**
 * GETs `path` (none while it is null) and again whenever it or `query`
 * changes. Data belongs to the path it was fetched for: while another path
 * loads, `data` is undefined, so a page never shows (or marks as seen) the
 * previous lead. A new `query` on the same path keeps the old data until
 * the new answer arrives, so filtering a list does not flash empty.
 */
export function useResource<T>(path: string | null, query?: Query): Resource<T> {
  const { api } = useSession();
  const [stored, setStored] = React.useState<{ path: string | null; value: T | undefined }>({
    path: null,
    value: undefined,
  });
  const data = stored.path === path ? stored.value : undefined;
  const setData = React.useCallback<React.Dispatch<React.SetStateAction<T | undefined>>>(
    (next) =>
      setStored((current) => {
        const previous = current.path === path ? current.value : undefined;
        const value = typeof next === "function" ? (next as (p: T | undefined) => T | undefined)(previous) : next;
        return { path, value };
      }),
    [path],
  );
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
        setStored({ path, value });
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
