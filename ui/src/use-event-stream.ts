/**
 * Follows one of the API's server-sent event streams (`/executions/{id}/follow`,
 * `/logs/{id}/follow`): `onEvent(name, data)` for each event of the given names, until the stream's
 * `end` event, which closes it (else the browser would reconnect and the stream start over).
 * `onOpen` runs on each (re)connection: a stream that reconnects sends everything again.
 * EventSource sends the same-origin Basic auth the browser holds, as fetch does.
 */
import { useEffect, useRef } from 'react';
import { API } from './api';

export interface StreamHandlers {
  onOpen?(): void;
  onEvent(event: string, data: unknown): void;
  /** The `end` event's data: `{executionId, state}`. */
  onEnd(data: { executionId: string; state: string }): void;
  /** The stream failed and the browser gave up on it (an answer that was not an event stream). */
  onError(error: Error): void;
}

export function useEventStream(path: string | undefined, events: readonly string[], handlers: StreamHandlers): void {
  // The latest handlers, so a re-render does not reopen the stream.
  const latest = useRef(handlers);
  latest.current = handlers;
  const names = events.join(',');

  useEffect(() => {
    if (path === undefined) return;
    const source = new EventSource(`${API}${path}`);
    source.onopen = () => latest.current.onOpen?.();
    for (const name of names.split(',')) {
      source.addEventListener(name, (event) => latest.current.onEvent(name, JSON.parse((event as MessageEvent<string>).data)));
    }
    source.addEventListener('end', (event) => {
      source.close();
      latest.current.onEnd(JSON.parse((event as MessageEvent<string>).data) as { executionId: string; state: string });
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) latest.current.onError(new Error(`Live updates stopped (${path}): reload the page`));
    };
    return () => source.close();
  }, [path, names]);
}
