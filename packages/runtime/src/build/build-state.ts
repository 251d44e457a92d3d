/**
 * @module build/build-state
 * The state of one build stage while its instructions run, and variable substitution over it.
 * `image` is always the image of the last step: every step, metadata-only ones included, records
 * an image (Docker's classic builder does the same), so `config` equals `image.config` between
 * steps and a step's result depends only on (parent image, step text): that is the cache key.
 * ARG values are visible to substitution but never land in the image config; ENV beats ARG.
 */
import type { EngineError } from '../errors/engine-error.js';
import { envLookup, processWord, type EnvLookup } from '../images/dockerfile-words.js';
import type { ImageRunConfig } from '../images/image-types.js';
import type { StoredImage } from '../images/image-store.js';
import { parseError } from './dockerfile-parse.js';

export interface StageState {
  image: StoredImage | null;
  config: ImageRunConfig;
  /** Declared ARGs of this stage, in order; undefined value = declared without one. */
  args: Map<string, string | undefined>;
  /** A CMD was set in this stage (an ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  escape: '\\' | '`';
  /** MAINTAINER of this stage: the author of every image it records. */
  author?: string;
}

export function lookupOf(st: Pick<StageState, 'args' | 'config'>): EnvLookup {
  const env = envLookup(st.config.env);
  return (name) => {
    const e = env(name);
    if (e !== undefined) return e;
    return st.args.get(name);
  };
}

/** Word processing honouring `# escape=`` (translated to the lexer's backslash). */
export function subst(word: string, lookup: EnvLookup, escape: '\\' | '`'): string {
  const w = escape === '`' ? word.replace(/\\/g, '\\\\').replace(/`/g, '\\') : word;
  return processWord(w, lookup);
}

/** Re-throws validation errors of a step as `Dockerfile parse error line N: …`. */
export function atLine<T>(line: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as EngineError;
    if (e?.name === 'EngineError' && e.code === 'INVALID_ARGUMENT' && !/^Dockerfile parse error/.test(e.message)) {
      throw parseError(line, e.message, err);
    }
    throw err;
  }
}
