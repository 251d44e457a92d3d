/**
 * @module docker-api/routes/exec
 * Exec routes (moby api/server/router/container/exec.go): create → start (hijacked unless
 * `Detach`) → resize → inspect for the exit code. ExecCreateSpec has no detach keys, so the ones a
 * client asks for at create time are kept here, per exec id, until the exec is started.
 */
import { readJson } from '../http/body.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../http/detach-keys.js';
import { streamContentType } from '../http/hijack.js';
import { requiredIntParam } from '../http/query.js';
import { versionAtLeast } from '../http/version.js';
import { toDockerExecInspect, toExecCreateSpec } from '../mappers/exec-json.js';
import { ExecCreateBodySchema, ExecStartBodySchema } from '../schema/exec.js';
import { empty, get, json, post, type Reply, type RequestContext, type Route } from '../router.js';

/** Bounded so that execs created and never started cannot grow the daemon. */
const MAX_REMEMBERED = 1024;

export function execRoutes(): Route[] {
  const detachKeysOf = new Map<string, string>();
  const remember = (id: string, keys: string) => {
    if (detachKeysOf.size >= MAX_REMEMBERED) detachKeysOf.delete(detachKeysOf.keys().next().value!);
    detachKeysOf.set(id, keys);
  };

  async function createExec(ctx: RequestContext): Promise<Reply> {
    const body = (await readJson(ctx, ExecCreateBodySchema))!;
    const spec = toExecCreateSpec(body);
    if (body.DetachKeys) parseDetachKeys(body.DetachKeys);
    const { id } = await ctx.services.exec.create(ctx.params.id!, spec);
    if (body.DetachKeys) remember(id, body.DetachKeys);
    return json({ Id: id }, 201);
  }

  async function startExec(ctx: RequestContext): Promise<Reply> {
    const body = (await readJson(ctx, ExecStartBodySchema, { allowEmpty: true })) ?? {};
    const id = ctx.params.id!;
    const opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] } = { detach: !!body.Detach };
    if (body.Tty != null) opts.tty = body.Tty;
    if (body.ConsoleSize) opts.consoleSize = [body.ConsoleSize[0]!, body.ConsoleSize[1]!];
    const session = await ctx.services.exec.start(id, opts);
    if (!session) return empty(200);
    return {
      kind: 'hijack',
      session,
      contentType: streamContentType(session.tty, ctx.apiVersion, versionAtLeast),
      stdin: true,
      detachKeys: parseDetachKeys(detachKeysOf.get(id) ?? DEFAULT_DETACH_KEYS),
    };
  }

  async function resizeExec(ctx: RequestContext): Promise<Reply> {
    const rows = requiredIntParam(ctx.query, 'h');
    const cols = requiredIntParam(ctx.query, 'w');
    await ctx.services.exec.resize(ctx.params.id!, { rows, cols });
    return empty(200);
  }

  async function inspectExec(ctx: RequestContext): Promise<Reply> {
    const detail = await ctx.services.exec.inspect(ctx.params.id!);
    return json(toDockerExecInspect(detail, detachKeysOf.get(detail.id) ?? ''));
  }

  return [
    post('/containers/{id}/exec', createExec),
    post('/exec/{id}/start', startExec),
    post('/exec/{id}/resize', resizeExec),
    get('/exec/{id}/json', inspectExec),
  ];
}
