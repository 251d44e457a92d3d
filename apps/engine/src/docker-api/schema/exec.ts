/**
 * @module docker-api/schema/exec
 * Zod schemas of `POST /containers/{id}/exec` (ExecConfig) and `POST /exec/{id}/start`
 * (ExecStartConfig), per moby api/swagger.yaml. `.passthrough()` tolerates fields of newer clients.
 */
import { z } from 'zod';
import { StrSlice } from './container-create.js';

const consoleSize = z.array(z.number().int().nonnegative()).length(2).nullish();

export const ExecCreateBodySchema = z.object({
  AttachStdin: z.boolean().nullish(),
  AttachStdout: z.boolean().nullish(),
  AttachStderr: z.boolean().nullish(),
  ConsoleSize: consoleSize,
  DetachKeys: z.string().nullish(),
  Tty: z.boolean().nullish(),
  Env: z.array(z.string()).nullish(),
  Cmd: StrSlice,
  Privileged: z.boolean().nullish(),
  User: z.string().nullish(),
  WorkingDir: z.string().nullish(),
}).passthrough();

export const ExecStartBodySchema = z.object({
  Detach: z.boolean().nullish(),
  Tty: z.boolean().nullish(),
  ConsoleSize: consoleSize,
}).passthrough();

export type ExecCreateBody = z.output<typeof ExecCreateBodySchema>;
export type ExecStartBody = z.output<typeof ExecStartBodySchema>;
