import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/**
 * `fetcher` now and every `everyMs` (0: once), with the last result and the
 * last error; `refresh()` fetches again at once, as does a change of `key`
 * (what the fetcher asks for: a filter, a selection).
 */
export function usePoll<T>(
  fetcher: () => Promise<T>,
  everyMs: number,
  options: { onData?: (data: T) => void; key?: string } = {},
) {
  const { onData, key } = options;
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const latest = useRef({ fetcher, onData });
  latest.current = { fetcher, onData };
  const refresh = useCallback(async () => {
    try {
      const next = await latest.current.fetcher();
      setData(next);
      setError(undefined);
      latest.current.onData?.(next);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('CLIENT', String(err), 0));
    }
  }, []);
  // `key` is a dependency on purpose: a new key restarts the polling at once.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await refresh();
      // One request at a time: the next poll starts after this one ends.
      if (!stopped && everyMs > 0) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refresh, everyMs, key]);
  return { data, error, refresh };
}
