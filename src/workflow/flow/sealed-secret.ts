/**
 * A SECRET input's value as the workflow holds it: encrypted by the client that started the
 * execution (src/secret-inputs/secret-inputs.ts), so its clear text never reaches Temporal's
 * history. Only a task's activity decrypts it, to render the properties that read it, and masks
 * it in everything the task sends back. The shape is Kestra's encrypted string, as its API shows
 * SECRET inputs. Sandbox-safe: the workflow recognises sealed values, it never opens them.
 */

/** What a secret value is replaced with in logs, outputs and error messages. */
export const SECRET_MASK = '********';

export const SEALED_SECRET_TYPE = 'io.kestra.datatype:aes_encrypted';

export interface SealedSecret {
  type: typeof SEALED_SECRET_TYPE;
  /** base64 of the AES-256-GCM nonce, tag and ciphertext. */
  value: string;
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === SEALED_SECRET_TYPE &&
    typeof (value as { value?: unknown }).value === 'string' &&
    Object.keys(value).length === 2
  );
}

/** The sealed value `raw` is, or renders to (an expression renders it as its JSON text); undefined otherwise. */
export function sealedSecretOf(raw: unknown): SealedSecret | undefined {
  if (isSealedSecret(raw)) return raw;
  if (typeof raw !== 'string' || !raw.includes(SEALED_SECRET_TYPE)) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isSealedSecret(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
