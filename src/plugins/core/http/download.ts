import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { fileNameOf } from '../../../storage';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { headersOutput, httpProperties, sendRequest } from './http-client';

/**
 * `io.kestra.plugin.core.http.Download`: streams a response body into internal storage (never
 * whole in memory). Outputs `uri`, `code`, `length`, `headers`.
 */
export const downloadTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.http.Download',
  aliases: ['io.kestra.plugin.fs.http.Download'],
  title: 'Download a file over HTTP into internal storage.',
  properties: z.strictObject({
    ...httpProperties,
    failOnEmptyResponse: z.boolean().default(true),
  }),
  async run(props, context) {
    const response = await sendRequest(props, context);
    const fileName =
      fileNameFrom(response.headers.get('content-disposition')) ?? (fileNameOf(new URL(response.url || props.uri).pathname) || 'download');
    const body = response.body ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>) : Readable.from([]);
    const stored = await context.putFile(fileName, body);
    if (stored.size === 0 && props.failOnEmptyResponse) {
      await context.storage.deleteByPrefix(stored.uri.slice(0, stored.uri.lastIndexOf('/') + 1));
      throw new Error(`No response from server: ${props.uri} returned an empty body (set failOnEmptyResponse: false to accept it)`);
    }
    context.log('INFO', `Downloaded ${stored.size} bytes from ${props.uri} to ${stored.uri}`);
    return { uri: stored.uri, code: response.status, length: stored.size, headers: headersOutput(response.headers) };
  },
});

/** `attachment; filename="a.csv"` or `filename*=UTF-8''a%20b.csv`; only the base name is kept. */
function fileNameFrom(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1];
  const name = extended ? decodeURIComponent(extended.trim()) : plain?.trim();
  return name ? fileNameOf(name) || undefined : undefined;
}
