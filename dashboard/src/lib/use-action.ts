"use client";

import * as React from "react";

/**
 * One user action at a time (save, send, delete): `run` marks it busy,
 * keeps its error for the form to show, and returns its result or
 * `undefined` when it failed.
 */
export function useAction() {
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<unknown>(null);
  const run = React.useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
