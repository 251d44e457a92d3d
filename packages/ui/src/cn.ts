/**
 * @module cn
 * Joins class names, skipping falsy ones (a tiny clsx).
 */
export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(' ');
}
