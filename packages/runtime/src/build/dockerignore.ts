/**
 * @module build/dockerignore
 * `.dockerignore` as Docker reads it (moby/patternmatcher + cli/cli/command/image/build/dockerignore):
 * one pattern per line, `#` comments and blank lines skipped, surrounding whitespace trimmed, the
 * pattern cleaned like filepath.Clean with any leading `/` dropped; `!` turns it into an exception.
 * Matching: the LAST pattern that matches a path decides; a pattern also matches every path below
 * a directory it matches (`tarsrc` excludes `tarsrc/sub/t.txt`). Globs: `*` and `?` within one
 * component, `[...]` classes, `\` escapes, and `**` for any number of components.
 */

export interface IgnorePattern {
  exclusion: boolean;
  /** Cleaned pattern text, `/`-separated. */
  text: string;
  regex: RegExp;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (let line of text.split(/\r?\n/)) {
    line = line.trim();
    if (line === '' || line.startsWith('#')) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
    }
    const text = cleanPattern(line);
    if (text === '') continue;
    out.push({ exclusion, text, regex: patternRegex(text) });
  }
  return out;
}

/** filepath.Clean, then strip the leading `/` (patterns are relative to the context root). */
export function cleanPattern(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') { if (parts.length && parts[parts.length - 1] !== '..') parts.pop(); else parts.push('..'); continue; }
    parts.push(c);
  }
  return parts.join('/');
}

function patternRegex(p: string): RegExp {
  let re = '^';
  const chars = [...p];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` matches everything below.
        if (chars[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = chars.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = chars.slice(i + 1, end).join('');
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < chars.length) {
      re += escapeRe(chars[++i]!);
    } else re += escapeRe(ch);
  }
  return new RegExp(`${re}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** True when `rel` (context-relative, `/`-separated, no leading `/`) is excluded. */
export function isIgnored(patterns: readonly IgnorePattern[], rel: string): boolean {
  if (patterns.length === 0) return false;
  const parents = parentPaths(rel);
  let matched = false;
  for (const p of patterns) {
    if (p.exclusion === !matched) continue; // cannot change the outcome
    const hit = p.regex.test(rel) || parents.some((d) => p.regex.test(d));
    if (hit) matched = !p.exclusion;
  }
  return matched;
}

/**
 * True when nothing below directory `rel` can be re-included by an exception, so a walker may skip
 * the whole tree (the CLI's shortcut). Conservative: any exception that could reach inside keeps it.
 */
export function canSkipDir(patterns: readonly IgnorePattern[], rel: string): boolean {
  if (!isIgnored(patterns, rel)) return false;
  return !patterns.some((p) => p.exclusion && (p.text.startsWith(`${rel}/`) || p.text.includes('*') || p.text.includes('?') || p.text.includes('[')));
}

function parentPaths(rel: string): string[] {
  const parts = rel.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
