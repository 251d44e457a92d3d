/**
 * @module images/reference
 * Docker image references, parsed the way distribution/reference does (`ParseNormalizedNamed`):
 * `busybox` → domain `docker.io`, path `library/busybox`, tag `latest` (unless a digest is given).
 * The *familiar* form is what Docker prints and stores in repositories.json: `busybox:latest`,
 * `user/app:v1`, `127.0.0.1:5000/a/b:v1`. Grammar:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain '/'] path-component ['/' path-component]*
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | __ | [-]+
 *   tag       := [\w][\w.-]{0,127}
 * Pure module: no I/O.
 */
import { errors } from '../errors/engine-error.js';
import type { Digest, ImageReference } from './image-types.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_AND_PORT = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/;
const FULL_ID_RE = /^(?:sha256:)?[a-f0-9]{64}$/;
/** Far beyond any valid reference; keeps the backtracking regex cheap on hostile input. */
const MAX_INPUT = 1024;

export const REFERENCE_MESSAGES = {
  invalidFormat: 'invalid reference format',
  containsUppercase: 'invalid reference format: repository name must be lowercase',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
  tagInvalid: 'invalid tag format',
} as const;

/** `sha256:<64 hex>` or bare 64 hex. */
export function isFullImageId(s: string): boolean {
  return FULL_ID_RE.test(s);
}

/** Normalizes a full id (bare or prefixed) to `sha256:<hex>`; undefined when `s` is not a full id. */
export function toImageId(s: string): Digest | undefined {
  if (!isFullImageId(s)) return undefined;
  return (s.startsWith('sha256:') ? s : `sha256:${s}`) as Digest;
}

/** 12-hex short form (Docker's stringid.TruncateID). */
export function shortId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}

export interface ParseOptions {
  /** Add `:latest` when neither tag nor digest is given (distribution's TagNameOnly). Default true. */
  defaultTag?: boolean;
}

/**
 * Parses a user-supplied reference (ParseNormalizedNamed + TagNameOnly).
 * Throws INVALID_ARGUMENT with distribution's messages.
 */
export function parseReference(s: string, opts: ParseOptions = {}): ImageReference {
  if (ANCHORED_ID_RE.test(s)) {
    throw errors.invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) {
    throw errors.invalid(`invalid reference format: repository name (${remoteName}) must be lowercase`);
  }
  const full = `${domain}/${remainder}`;
  const m = full.length <= MAX_INPUT ? REFERENCE_RE.exec(full) : null;
  if (!m) {
    // `full` is never empty (distribution checks the composed string), so ErrNameEmpty cannot occur here.
    if (full.length <= MAX_INPUT && REFERENCE_RE.test(full.toLowerCase())) throw errors.invalid(REFERENCE_MESSAGES.containsUppercase);
    throw errors.invalid(REFERENCE_MESSAGES.invalidFormat);
  }
  const name = m[1];
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw errors.invalid(REFERENCE_MESSAGES.nameTooLong);
  const slash = name.indexOf('/');
  const refDomain = name.slice(0, slash);
  const path = name.slice(slash + 1);
  const digest = m[3] !== undefined ? parseDigest(m[3]) : undefined;
  let tag = m[2];
  if (tag === undefined && digest === undefined && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return makeReference(refDomain, path, tag, digest);
}

/** Like parseReference but returns undefined instead of throwing. */
export function tryParseReference(s: string, opts?: ParseOptions): ImageReference | undefined {
  try {
    return parseReference(s, opts);
  } catch {
    return undefined;
  }
}

/**
 * The `repo` + `tag` pair of the tag/import/commit endpoints (moby httputils.RepoTagReference): a
 * non-empty `tag` replaces any tag in `repo`; digests are refused; no tag → `latest`.
 */
export function repoTagReference(repo: string, tag?: string): ImageReference {
  const ref = parseReference(repo, { defaultTag: false });
  if (ref.digest) throw errors.invalid('cannot import digest reference');
  const result = tag ? withTag(ref, tag) : makeReference(ref.domain, ref.path, ref.tag ?? DEFAULT_TAG, undefined);
  if (familiarName(result) === 'sha256') {
    throw errors.invalid('refusing to create an ambiguous tag using digest algorithm as name');
  }
  return result;
}

export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!TAG_RE.test(tag)) throw errors.invalid(REFERENCE_MESSAGES.tagInvalid);
  return makeReference(ref.domain, ref.path, tag, ref.digest);
}

export function withDigest(ref: ImageReference, digest: Digest): ImageReference {
  return makeReference(ref.domain, ref.path, ref.tag, parseDigest(digest));
}

/** Drops tag and digest. */
export function trimReference(ref: ImageReference): ImageReference {
  return makeReference(ref.domain, ref.path, undefined, undefined);
}

/** Repository without tag/digest in familiar form: `busybox`, `user/app`, `127.0.0.1:5000/a/b`. */
export function familiarName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** Familiar name plus `:tag` and `@digest` when present: `busybox:latest`. */
export function familiarString(ref: Pick<ImageReference, 'domain' | 'path' | 'tag' | 'digest'>): string {
  return familiarName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Fully qualified: `docker.io/library/busybox:latest`. */
export function referenceString(ref: Pick<ImageReference, 'domain' | 'path' | 'tag' | 'digest'>): string {
  return `${ref.domain}/${ref.path}` + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** Full repository name `docker.io/library/busybox` (distribution's Named.Name()). */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/**
 * Docker's `reference` filter (reference.FamiliarMatch): the glob matches either the familiar name
 * or the familiar string. Throws INVALID_ARGUMENT on a malformed pattern.
 */
export function familiarMatch(pattern: string, ref: ImageReference): boolean {
  const re = globToRegExp(pattern);
  return re.test(familiarName(ref)) || re.test(familiarString(ref));
}

/** Go `path.Match` semantics: `*` and `?` never match `/`; `[...]`, `[^...]`, `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) throw errors.invalid('syntax error in pattern');
      out += escapeRe(pattern[++i]);
    } else if (c === '[') {
      const end = findClassEnd(pattern, i);
      let body = pattern.slice(i + 1, end);
      let negate = false;
      if (body.startsWith('^')) { negate = true; body = body.slice(1); }
      if (body === '') throw errors.invalid('syntax error in pattern');
      const cls = body.replace(/\\(.)/g, '$1').replace(/[\]\\^]/g, '\\$&');
      // Go's negated class still never matches '/'.
      out += negate ? `[^/${cls}]` : `(?!/)[${cls}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(out + '$');
}

function findClassEnd(pattern: string, start: number): number {
  for (let j = start + 1; j < pattern.length; j++) {
    if (pattern[j] === '\\') { j++; continue; }
    if (pattern[j] === ']' && j > start + 1) return j;
  }
  throw errors.invalid('syntax error in pattern');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

function parseDigest(s: string): Digest {
  const i = s.indexOf(':');
  const alg = s.slice(0, i);
  const hex = s.slice(i + 1);
  if (alg !== 'sha256') throw errors.invalid('unsupported digest algorithm');
  if (hex.length !== 64) throw errors.invalid('invalid checksum digest length');
  if (!/^[a-f0-9]{64}$/.test(hex)) throw errors.invalid('invalid checksum digest format');
  return s as Digest;
}

function makeReference(domain: string, path: string, tag: string | undefined, digest: Digest | undefined): ImageReference {
  const ref: ImageReference = { domain, path, familiar: '' };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  ref.familiar = familiarString(ref);
  return ref;
}
