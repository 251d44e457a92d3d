/**
 * @module ids/container-id
 * Container ids (64 hex, 12-char short form) and names (Docker's rule, no leading slash stored).
 */
import { randomBytes } from 'node:crypto';
import { errors } from '../errors/engine-error.js';

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // Docker avoids short ids that look like numbers (they would be confused with pids/indices).
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Validates a user-given name; returns it without the leading slash. */
export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_PATTERN.test(n) || n.length > 253) {
    throw errors.invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return n;
}

const LEFT = ['admiring', 'brave', 'calm', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen',
  'loving', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'tender', 'upbeat',
  'vibrant', 'wizardly', 'youthful', 'zealous'];
const RIGHT = ['archimedes', 'babbage', 'curie', 'darwin', 'euler', 'feynman', 'galileo', 'hopper', 'johnson',
  'kepler', 'lovelace', 'meitner', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'turing', 'wozniak', 'yonath'];

export function randomName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const pick = (a: string[]) => a[randomBytes(1)[0]! % a.length]!;
    const name = `${pick(LEFT)}_${pick(RIGHT)}${i > 5 ? randomBytes(1)[0]! % 10 : ''}`;
    if (!taken(name)) return name;
  }
}
