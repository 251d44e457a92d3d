/**
 * @module docker-api/mappers/event-json
 * EngineEvent → Docker's events message (moby api/types/events.Message), one JSON object per line.
 * Container and image events also carry the deprecated `status`/`id`/`from` fields that old
 * clients read (moby daemon/events.Log). `timeNano` exceeds 2^53, so the line is assembled by hand
 * to keep every digit.
 */
import type { EngineEvent } from '@berth/runtime';

/** `since`/`until` as the CLI sends them: `SECONDS[.NANOS]` (moby api/types/time ParseTimestamps). */
export function parseEventTimestamp(value: string | null): bigint | undefined {
  if (value === null || value === '') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9})\d*)?$/.exec(value.trim());
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(frac || '0');
}

export function toDockerEventLine(e: EngineEvent): string {
  const legacy: Record<string, string> = {};
  if (e.type === 'container' || e.type === 'image') {
    legacy.status = e.action;
    legacy.id = e.actor.id;
    if (e.type === 'container' && e.actor.attributes.image !== undefined) legacy.from = e.actor.attributes.image;
  }
  const body = JSON.stringify({
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.actor.id, Attributes: e.actor.attributes },
    scope: 'local',
    time: Number(e.timeNano / 1_000_000_000n),
  });
  return `${body.slice(0, -1)},"timeNano":${e.timeNano.toString()}}\n`;
}
