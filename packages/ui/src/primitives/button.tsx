/**
 * @module primitives/button
 * Dense buttons for a tool used all day: small, keyboard-focusable, with a visible disabled state.
 */
import type { ButtonHTMLAttributes } from 'react';
import { cn } from '../cn.js';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'sm' | 'md';
}

const VARIANTS: Record<ButtonVariant, string> = {
  primary: 'bg-sky-600 text-white hover:bg-sky-500 border-sky-600',
  secondary: 'bg-white text-zinc-800 hover:bg-zinc-100 border-zinc-300 dark:bg-zinc-800 dark:text-zinc-100 dark:hover:bg-zinc-700 dark:border-zinc-700',
  danger: 'bg-white text-red-700 hover:bg-red-50 border-red-300 dark:bg-zinc-900 dark:text-red-400 dark:hover:bg-red-950 dark:border-red-900',
  ghost: 'bg-transparent text-zinc-600 hover:bg-zinc-100 border-transparent dark:text-zinc-300 dark:hover:bg-zinc-800',
};

export function Button({ variant = 'secondary', size = 'md', className, type = 'button', ...rest }: ButtonProps) {
  return (
    <button
      type={type}
      className={cn(
        'inline-flex items-center gap-1.5 rounded-md border font-medium transition-colors',
        'focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-sky-500',
        'disabled:cursor-not-allowed disabled:opacity-40',
        size === 'sm' ? 'h-7 px-2 text-xs' : 'h-8 px-3 text-sm',
        VARIANTS[variant],
        className,
      )}
      {...rest}
    />
  );
}
