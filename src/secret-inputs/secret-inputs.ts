/**
 * SECRET inputs outside the workflow. Whoever starts an execution (the CLI, the API, a Flow
 * trigger) seals each SECRET value with AES-256-GCM before it goes to Temporal, so the history
 * holds only the sealed form (src/workflow/flow/sealed-secret.ts). A task's activity opens the
 * sealed values its deferred properties read, and masks their clear text in what it sends back
 * (src/activities/io-rendering.ts). Kestra does the same with `kestra.encryption.secret-key`.
 *
 * The key: TFLOW_ENCRYPTION_KEY (any long random string; hashed to 256 bits), the same for the API,
 * the CLI and every worker. Without it, a key generated once in the state directory, which the
 * processes of one machine (`tflow dev`, tests) share.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TflowConfig } from '../config';
import type { InputSpec } from '../workflow/flow/spec';
import { isSealedSecret, SEALED_SECRET_TYPE, type SealedSecret } from '../workflow/flow/sealed-secret';

export type KeyConfig = Pick<TflowConfig, 'encryptionKey' | 'stateDir'>;

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_FILE = 'encryption.key';

const keys = new Map<string, Buffer>();

/** The 256-bit key of this configuration (read or generated once per process). */
export function encryptionKey(config: KeyConfig): Buffer {
  const cacheKey = config.encryptionKey !== undefined ? `env:${config.encryptionKey}` : `dir:${config.stateDir}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = createHash('sha256')
      .update(config.encryptionKey ?? stateDirectoryKey(config.stateDir))
      .digest();
    keys.set(cacheKey, key);
  }
  return key;
}

/** The state directory's key file, created whole or not at all (a link fails if another process made it first). */
function stateDirectoryKey(stateDir: string): string {
  const file = join(stateDir, KEY_FILE);
  mkdirSync(stateDir, { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readFileSync(file, 'utf8').trim();
}

export function sealSecret(clearText: string, config: KeyConfig): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, encryptionKey(config), nonce);
  const sealed = Buffer.concat([cipher.update(clearText, 'utf8'), cipher.final()]);
  return { type: SEALED_SECRET_TYPE, value: Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64') };
}

export function openSecret(secret: SealedSecret, config: KeyConfig): string {
  const bytes = Buffer.from(secret.value, 'base64');
  try {
    const decipher = createDecipheriv(ALGORITHM, encryptionKey(config), bytes.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(
      'Cannot decrypt a SECRET input: it was sealed with another key (give the API, the CLI and every worker the same TFLOW_ENCRYPTION_KEY)',
    );
  }
}

/** `inputs` with the clear value of each SECRET input sealed (ids with dots are nested, as resolveInputs nests them). */
export function sealSecretInputs(specs: readonly InputSpec[], inputs: Record<string, unknown>, config: KeyConfig): Record<string, unknown> {
  const secretIds = specs.filter((spec) => spec.type === 'SECRET').map((spec) => spec.id.split('.'));
  if (secretIds.length === 0) return inputs;
  const sealed = structuredClone(inputs);
  for (const path of secretIds) {
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], sealed);
    if (parent === null || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    const value = (parent as Record<string, unknown>)[key];
    if (typeof value === 'string') (parent as Record<string, unknown>)[key] = sealSecret(value, config);
  }
  return sealed;
}

/** `value` with every sealed secret inside it opened; their clear texts are added to `opened`, to be masked. */
export function openSealedSecrets<T>(value: T, config: KeyConfig, opened: Set<string>): T {
  const walk = (item: unknown): unknown => {
    if (isSealedSecret(item)) {
      const clear = openSecret(item, config);
      if (clear !== '') opened.add(clear);
      return clear;
    }
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) {
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, walk(entry)]));
    }
    return item;
  };
  return walk(value) as T;
}
