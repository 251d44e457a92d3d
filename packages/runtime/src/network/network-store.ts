/**
 * @module network/network-store
 * The persisted list of user-defined networks (`<stateDir>/networks.json`) and the stable ids of
 * the predefined ones. Every change is written atomically before the call returns; the daemon
 * re-creates bridges and firewall chains from this file at start.
 */
import { randomBytes } from 'node:crypto';
import { errors } from '../errors/engine-error.js';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';

export interface UserNetworkRecord {
  id: string;
  name: string;
  created: string;
  bridge: string;
  /** Canonical subnet CIDR and gateway address. */
  subnet: string;
  gateway: string;
  ipRange?: string;
  internal: boolean;
  options: Record<string, string>;
  labels: Record<string, string>;
}

interface StoreFile {
  version: 1;
  predefined: { bridge: string; host: string; none: string };
  networks: UserNetworkRecord[];
}

export class NetworkStore {
  private state: StoreFile | undefined;

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    let onDisk: StoreFile | undefined;
    try {
      onDisk = await readJson<StoreFile>(this.file);
    } catch (err) {
      throw errors.dataLoss(`cannot read networks from ${this.file}`, err);
    }
    this.state = onDisk ?? { version: 1, predefined: { bridge: newNetworkId(), host: newNetworkId(), none: newNetworkId() }, networks: [] };
    if (!onDisk) await this.save();
  }

  get predefined(): StoreFile['predefined'] {
    return this.loaded().predefined;
  }

  all(): UserNetworkRecord[] {
    return [...this.loaded().networks];
  }

  async add(n: UserNetworkRecord): Promise<void> {
    this.loaded().networks.push(n);
    await this.save();
  }

  async delete(id: string): Promise<void> {
    const s = this.loaded();
    s.networks = s.networks.filter((n) => n.id !== id);
    await this.save();
  }

  private loaded(): StoreFile {
    if (!this.state) throw errors.internal('network store used before load()', undefined);
    return this.state;
  }

  private async save(): Promise<void> {
    try {
      await writeJsonAtomic(this.file, this.state);
    } catch (err) {
      throw errors.internal(`cannot persist networks to ${this.file}`, err);
    }
  }
}

export function newNetworkId(): string {
  return randomBytes(32).toString('hex');
}
