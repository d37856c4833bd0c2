/**
 * `useApi(path)`: loads JSON from the API for a component, with loading and error states, and a
 * `reload()` for after a change. `refreshMs` polls while the page is open (live lists).
 */
import { useCallback, useEffect, useState } from 'react';
import { apiJson } from './api';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | undefined, refreshMs?: number): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(path !== undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (path === undefined) return;
    let current = true;
    setLoading(true);
    apiJson<T>(path)
      .then((value) => current && (setData(value), setError(undefined)))
      .catch((reason: unknown) => current && setError(reason instanceof Error ? reason : new Error(String(reason))))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [path, tick]);

  useEffect(() => {
    if (!refreshMs || path === undefined) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);

  return { data, error, loading, reload };
}
