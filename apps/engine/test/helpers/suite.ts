/**
 * One real engine per test file, with busybox imported, and the API shortcuts every suite uses.
 * Call at the top level of a test file: it registers the beforeAll/afterAll hooks.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { startEngine, type TestEngine } from './engine.js';
import { request } from './http.js';
import { importBusybox } from './images.js';

export interface EngineSuite {
  readonly eng: TestEngine;
  api(method: string, path: string, body?: unknown): ReturnType<typeof request>;
  /** Creates a busybox container (201 asserted) and returns its id. */
  create(body: Record<string, unknown>, name?: string): Promise<string>;
  inspect(id: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Docker JSON
}

export function useEngine(): EngineSuite {
  let eng: TestEngine | undefined;
  const s: EngineSuite = {
    get eng() {
      if (!eng) throw new Error('engine not started yet');
      return eng;
    },
    api: (method, path, body) => request(s.eng.socket, method, path, body),
    async create(body, name) {
      const r = await s.api('POST', `/v1.47/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', ...body });
      expect(r.status, r.body).toBe(201);
      return JSON.parse(r.body).Id as string;
    },
    async inspect(id) {
      return JSON.parse((await s.api('GET', `/containers/${id}/json`)).body);
    },
  };
  beforeAll(async () => {
    eng = await startEngine();
    await importBusybox(eng.socket);
  });
  afterAll(async () => { await eng?.stop(); });
  return s;
}
