/**
 * The part the object-store backends (S3, Cloud Storage) share: where their objects are, the
 * mapping of URIs to keys, and the store's client, built on first use so that workers on local
 * storage never load a cloud SDK.
 */
import { ObjectKeys, type ObjectLocation } from './object-keys';

export abstract class ObjectStore<Client> {
  protected readonly keys: ObjectKeys;
  private opened?: Promise<Client>;

  /** `env`: where the backend reads its endpoint (or emulator) and region. */
  constructor(
    readonly location: ObjectLocation,
    protected readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.keys = new ObjectKeys(location.prefix);
  }

  /** The store's client, built on the first call and shared by the others. */
  protected client(): Promise<Client> {
    this.opened ??= this.openClient();
    return this.opened;
  }

  protected abstract openClient(): Promise<Client>;
}
