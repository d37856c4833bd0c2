/**
 * `useApi(path)`: loads JSON from the API for a component, with loading and error states, and a
 * `reload()` for after a change. `refreshMs` polls while the page is open (live lists).
 * `useLoaded(key, load)` is the same for any loading function (several calls at once), keyed by `key`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { apiJson } from './api';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | undefined, refreshMs?: number): ApiState<T> {
  return useLoaded(path, () => apiJson<T>(path!), refreshMs);
}

export function useLoaded<T>(key: string | undefined, load: () => Promise<T>, refreshMs?: number): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(key !== undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // The latest function: a new closure each render must not load again, a new key does.
  const latestLoad = useRef(load);
  latestLoad.current = load;

  useEffect(() => {
    if (key === undefined) return;
    let current = true;
    setLoading(true);
    latestLoad
      .current()
      .then((value) => current && (setData(value), setError(undefined)))
      .catch((reason: unknown) => current && setError(reason instanceof Error ? reason : new Error(String(reason))))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [key, tick]);

  useEffect(() => {
    if (!refreshMs || key === undefined) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, key, reload]);

  return { data, error, loading, reload };
}
