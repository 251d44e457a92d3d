'use client';
/**
 * @module features/shell/shortcuts
 * Keyboard shortcuts: single keys and "g then x" sequences, ignored while typing in a field or
 * in the terminal (xterm's textarea), so they never steal keystrokes.
 */
import { useEffect, useRef } from 'react';

export type ShortcutMap = Record<string, () => void>;

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest?.('.xterm, dialog');
}

/** keys: "r", "?", "/", "g c" (sequence) */
export function useShortcuts(map: ShortcutMap) {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    let prefix = '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const key = prefix ? `${prefix} ${e.key}` : e.key;
      const fn = ref.current[key];
      if (fn) { e.preventDefault(); prefix = ''; fn(); return; }
      if (!prefix && Object.keys(ref.current).some((k) => k.startsWith(`${e.key} `))) {
        prefix = e.key;
        clearTimeout(timer);
        timer = setTimeout(() => { prefix = ''; }, 1200);
        return;
      }
      prefix = '';
    };
    window.addEventListener('keydown', onKey);
    return () => { window.removeEventListener('keydown', onKey); clearTimeout(timer); };
  }, []);
}
