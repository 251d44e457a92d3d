/**
 * @module registry/registry-errors
 * Registry HTTP failures → EngineError, with the texts dockerd prints (the CLI shows them as is):
 *   404 on a manifest  → NOT_FOUND "manifest for X not found: manifest unknown: manifest unknown"
 *   401/403/NAME_UNKNOWN on pull → NOT_FOUND "pull access denied for X, repository does not exist
 *                        or may require 'docker login': denied: …"
 *   401 elsewhere → UNAUTHENTICATED, 403 → PERMISSION_DENIED, 429 → RESOURCE_EXHAUSTED, 5xx → UNAVAILABLE.
 * The registry's own error body (`{"errors":[{"code","message"}]}`) is rendered as distribution's
 * errcode does: "manifest unknown: <message>". Nothing from request headers is ever included.
 */
import { EngineError, errors } from '../errors/engine-error.js';
import { readLimited, type HttpResponse } from './registry-http.js';

export interface RegistryErrorBody {
  code?: string;
  message?: string;
}

export async function registryErrorText(res: HttpResponse): Promise<{ text: string; codes: string[] }> {
  let raw: Buffer;
  try {
    raw = await readLimited(res, 64 << 10, 'registry error');
  } catch {
    return { text: '', codes: [] };
  }
  try {
    const j = JSON.parse(raw.toString()) as { errors?: RegistryErrorBody[] };
    const list = Array.isArray(j.errors) ? j.errors : [];
    const codes = list.map((e) => String(e.code ?? ''));
    const text = list.map((e) => `${String(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${sanitize(String(e.message ?? ''))}`).join('; ');
    return { text, codes };
  } catch {
    return { text: sanitize(raw.toString('utf8', 0, Math.min(raw.length, 200)).trim()), codes: [] };
  }
}

/** Registry-controlled text goes into our errors: keep it one short printable line. */
function sanitize(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
}

export async function manifestError(res: HttpResponse, familiar: string, familiarName: string): Promise<EngineError> {
  const { text, codes } = await registryErrorText(res);
  if (res.status === 401 || res.status === 403 || codes.includes('NAME_UNKNOWN') || codes.includes('DENIED') || codes.includes('UNAUTHORIZED')) {
    return errors.notFoundMessage(`pull access denied for ${familiarName}, repository does not exist or may require 'docker login': ${text || 'denied: requested access to the resource is denied'}`);
  }
  if (res.status === 404) return errors.notFoundMessage(`manifest for ${familiar} not found: ${text || 'manifest unknown: manifest unknown'}`);
  return statusError(res.status, text, `fetching manifest for ${familiar}`);
}

export async function responseError(res: HttpResponse, what: string): Promise<EngineError> {
  const { text } = await registryErrorText(res);
  return statusError(res.status, text, what);
}

function statusError(status: number, text: string, what: string): EngineError {
  const msg = text || `${what}: registry answered ${status}`;
  if (status === 401) return new EngineError('UNAUTHENTICATED', text || 'unauthorized: authentication required');
  if (status === 403) return new EngineError('PERMISSION_DENIED', text || 'denied: requested access to the resource is denied');
  if (status === 404) return errors.notFoundMessage(msg);
  if (status === 429) return new EngineError('RESOURCE_EXHAUSTED', `toomanyrequests: ${msg}`);
  if (status >= 500) return errors.unavailable(`${what}: registry answered ${status}${text ? `: ${text}` : ''}`);
  return errors.invalid(`${what}: registry answered ${status}${text ? `: ${text}` : ''}`);
}
