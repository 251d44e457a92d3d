/**
 * @module web-port
 * What the tRPC router needs from the web host (berthd's apps/engine/src/web) besides
 * EngineServices: the session registry, the user store and the terminal manager. The router only
 * sees these interfaces, so it stays free of HTTP, crypto and file I/O.
 */
export type Role = 'admin' | 'viewer';

export interface WebUser { username: string; role: Role }

export type TerminalMode = 'attach' | 'exec';

export interface TerminalInfo {
  sessionId: string;
  containerId: string;
  mode: TerminalMode;
  createdBy: string;
  createdAt: string;
  watchers: number;
  /** Set once the process ended (exit code; null when unknown). */
  exited: boolean;
  exitCode: number | null;
}

export interface TerminalOpenRequest {
  containerId: string;
  mode: TerminalMode;
  cmd?: string[];
  user?: string;
  cols?: number;
  rows?: number;
}

export interface TerminalPort {
  open(owner: { username: string; authSessionId: string }, req: TerminalOpenRequest): Promise<{ sessionId: string }>;
  list(): TerminalInfo[];
  close(sessionId: string): boolean;
}

export interface UserPort {
  list(): Promise<WebUser[]>;
  create(user: { username: string; password: string; role: Role }): Promise<void>;
  remove(username: string): Promise<void>;
}

/** A saved registry login as the browser sees it: never the secret. */
export interface RegistryInfo { id: string; server: string; username: string }

/** Per-user registry credentials, encrypted at rest by the web host (apps/engine/src/web/registry-store.ts). */
export interface RegistryPort {
  list(owner: string): Promise<RegistryInfo[]>;
  save(owner: string, c: { server: string; username: string; password: string }): Promise<RegistryInfo>;
  remove(owner: string, id: string): Promise<void>;
  /** Server side only (push): the decrypted login; NOT_FOUND for another user's id. */
  credentials(owner: string, id: string): Promise<{ server: string; username: string; password: string }>;
}

export interface WebPort {
  /** False once the session was revoked (logout, user removed): long-lived ws contexts re-check it. */
  sessionAlive(sessionId: string): boolean;
  terminals: TerminalPort;
  users: UserPort;
  /** Absent in hosts without a credential store (procedures answer PRECONDITION_FAILED). */
  registries?: RegistryPort;
}
