import { useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** Runs one operator action at a time: whether it is busy, its last error, and a line saying what it did. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [done, setDone] = useState('');
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      setDone(await action());
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError('CLIENT', String(err), 0));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}
