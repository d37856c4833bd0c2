/**
 * `useAction()`: runs a button's API call and keeps its error for an ErrorMessage (the API's own
 * message), cleared when the next call starts.
 */
import { useCallback, useState } from 'react';

export function useAction(): { error: Error | undefined; run(work: () => Promise<void>): Promise<void> } {
  const [error, setError] = useState<Error>();
  const run = useCallback(async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (reason) {
      setError(reason instanceof Error ? reason : new Error(String(reason)));
    }
  }, []);
  return { error, run };
}
