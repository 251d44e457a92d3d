'use client';
/**
 * @module features/shell/theme
 * Dark/light theme: a class on <html>, remembered in localStorage (the pre-paint script in the
 * root layout applies it before hydration).
 */
import { useEffect, useState } from 'react';

export type Theme = 'dark' | 'light';

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setThemeState] = useState<Theme>('dark');
  useEffect(() => {
    setThemeState(document.documentElement.classList.contains('dark') ? 'dark' : 'light');
    const obs = new MutationObserver(() => setThemeState(document.documentElement.classList.contains('dark') ? 'dark' : 'light'));
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
    return () => obs.disconnect();
  }, []);
  const setTheme = (t: Theme) => {
    document.documentElement.classList.toggle('dark', t === 'dark');
    try { localStorage.setItem('berth-theme', t); } catch { /* private mode */ }
  };
  return [theme, setTheme];
}
