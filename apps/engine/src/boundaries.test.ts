/**
 * Package boundaries of the architecture (§3.2), enforced as a test: transports see only
 * @berth/runtime's root entry; the runtime knows nothing about HTTP, tRPC or React.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return n === 'node_modules' || n === 'dist' ? [] : sources(p);
    return /\.tsx?$/.test(n) ? [p] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('package boundaries', () => {
  it('the Docker API transport imports only the runtime root entry', () => {
    const bad = sources(path.join(ROOT, 'apps/engine/src/docker-api')).flatMap((f) =>
      imports(f).filter((i) => i.startsWith('@berth/runtime/') || /packages\/runtime/.test(i)).map((i) => `${path.relative(ROOT, f)}: ${i}`));
    expect(bad).toEqual([]);
  });
  it('the runtime imports no HTTP framework, tRPC or React', () => {
    const bad = sources(path.join(ROOT, 'packages/runtime/src')).flatMap((f) =>
      imports(f).filter((i) => /^(node:http|node:https|@trpc\/|react|next|ws$)/.test(i)).map((i) => `${path.relative(ROOT, f)}: ${i}`));
    expect(bad).toEqual([]);
  });
  it('the tRPC package uses the runtime only through types and its browser-safe subpaths', () => {
    const bad = sources(path.join(ROOT, 'packages/api/src')).flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...text.matchAll(/^\s*import\s+(type\s+)?[^'"]*from\s+['"](@berth\/runtime[^'"]*)['"]/gm)]
        .filter((m) => !m[1] && !['@berth/runtime/errors', '@berth/runtime/status'].includes(m[2]!))
        .map((m) => `${path.relative(ROOT, f)}: ${m[2]}`);
    });
    expect(bad).toEqual([]);
  });
});
