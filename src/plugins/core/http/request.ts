import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { headersOutput, httpProperties, sendRequest } from './http-client';

/** The body becomes an output (in the history): larger responses belong in Download. */
const MAX_BODY_BYTES = 1_000_000;

/**
 * `io.kestra.plugin.core.http.Request`: an HTTP call whose response becomes outputs `uri`, `code`,
 * `headers`, `body` (parsed when it is JSON, else text).
 */
export const requestTask = defineRunnableTask({
  type: 'io.kestra.plugin.core.http.Request',
  aliases: ['io.kestra.plugin.fs.http.Request'],
  title: 'Make an HTTP request; its response becomes the outputs.',
  properties: z.strictObject({
    ...httpProperties,
    encryptBody: z.boolean().optional(),
  }),
  async run(props, context) {
    if (props.encryptBody) throw new Error('encryptBody is not supported by tflow');
    const response = await sendRequest(props, context);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        await response.body?.cancel().catch(() => undefined);
        throw new Error(
          `The response of ${props.uri} is larger than ${MAX_BODY_BYTES} bytes: use io.kestra.plugin.core.http.Download to store it as a file`,
        );
      }
      chunks.push(Buffer.from(chunk));
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return {
      uri: props.uri,
      code: response.status,
      headers: headersOutput(response.headers),
      body: parseBody(text, response.headers.get('content-type')),
      ...(props.formData ? { formData: props.formData } : {}),
    };
  },
});

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return null;
  if (contentType?.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
