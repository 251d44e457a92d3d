/**
 * Shared e2e settings and the state file global-setup writes (ports, token, roots, pids).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const E2E_DIR = path.resolve(import.meta.dirname, '..');
export const REPO = path.resolve(E2E_DIR, '..');
export const STATE_FILE = path.join(E2E_DIR, 'artifacts', 'state.json');
export const SHOTS = path.join(E2E_DIR, 'artifacts', 'screenshots');
export const ENGINE_PORT = Number(process.env.E2E_ENGINE_PORT ?? 4111);
export const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 3111);
export const WEB = `http://127.0.0.1:${WEB_PORT}`;
export const ENGINE = `http://127.0.0.1:${ENGINE_PORT}`;

export interface E2EState {
  token: string;
  dataRoot: string;
  execRoot: string;
  sock: string;
  enginePid: number;
  webPid: number;
  engineLog: string;
  webLog: string;
  cgroup: string;
  bridge: string;
}

export function readState(): E2EState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2EState;
}

export const ADMIN = { username: 'admin', password: 'e2e-admin-pass-1' };
export const VIEWER = { username: 'watcher', password: 'e2e-viewer-pass-1' };
