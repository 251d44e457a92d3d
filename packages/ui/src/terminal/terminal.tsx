'use client';
/**
 * @module terminal/terminal
 * xterm.js bound to the engine's terminal WebSocket (`/engine/tty?session=`).
 * Wire protocol: binary frames carry bytes both ways; text frames carry JSON control
 * ({type:'resize'} from us; {type:'exit'|'revoked'|'error'} from the engine). The server sends the
 * session's scrollback first, so a reload or a second watcher sees the history.
 * xterm is imported inside the effect: it touches `window` and must never run during SSR.
 */
import { useEffect, useRef } from 'react';
import { cn } from '../cn.js';
import { testIds } from '../test-ids.js';

export type TerminalStatus = 'connecting' | 'open' | 'closed' | 'exited' | 'revoked';

export interface TerminalProps {
  /** absolute ws(s):// URL of the session */
  url: string;
  readOnly?: boolean;
  onStatus?: (status: TerminalStatus, detail?: string) => void;
  onControl?: (msg: { type: string; [k: string]: unknown }) => void;
  className?: string;
  theme?: 'dark' | 'light';
}

const DARK = { background: '#09090b', foreground: '#e4e4e7', cursor: '#38bdf8', selectionBackground: '#3f3f46' };
const LIGHT = { background: '#fafafa', foreground: '#18181b', cursor: '#0284c7', selectionBackground: '#d4d4d8' };

export function Terminal({ url, readOnly = false, onStatus, onControl, className, theme = 'dark' }: TerminalProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const cb = useRef({ onStatus, onControl });
  cb.current = { onStatus, onControl };

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    void (async () => {
      const [{ Terminal: XTerm }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      const host = hostRef.current;
      if (disposed || !host) return;
      const term = new XTerm({
        cursorBlink: !readOnly, disableStdin: readOnly, fontSize: 13, scrollback: 5000,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
        theme: theme === 'dark' ? DARK : LIGHT,
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host);
      try { fit.fit(); } catch { /* host not laid out yet */ }
      host.dataset.connected = 'false';
      cb.current.onStatus?.('connecting');
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const enc = new TextEncoder();
      const sendResize = () => {
        if (ws.readyState === WebSocket.OPEN && !readOnly) ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
      };
      ws.onopen = () => { host.dataset.connected = 'true'; cb.current.onStatus?.('open'); sendResize(); if (!readOnly) term.focus(); };
      ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') {
          let msg: { type: string; [k: string]: unknown };
          try { msg = JSON.parse(ev.data) as typeof msg; } catch { return; }
          cb.current.onControl?.(msg);
          if (msg.type === 'exit') { host.dataset.exited = 'true'; cb.current.onStatus?.('exited', String(msg.code ?? '')); }
          if (msg.type === 'revoked') cb.current.onStatus?.('revoked');
          if (msg.type === 'closed') { host.dataset.exited = 'true'; cb.current.onStatus?.('closed', 'session closed'); }
          return;
        }
        term.write(new Uint8Array(ev.data as ArrayBuffer));
      };
      ws.onclose = (ev) => {
        host.dataset.connected = 'false';
        if (host.dataset.exited !== 'true') cb.current.onStatus?.('closed', ev.reason || String(ev.code));
      };
      // Keystrokes (including Ctrl-p Ctrl-q) go through untouched; viewers send nothing.
      const d1 = term.onData((s) => { if (!readOnly && ws.readyState === WebSocket.OPEN) ws.send(enc.encode(s)); });
      const d2 = term.onBinary((s) => {
        if (readOnly || ws.readyState !== WebSocket.OPEN) return;
        const b = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
        ws.send(b);
      });
      const d3 = term.onResize(sendResize);
      let raf = 0;
      const ro = new ResizeObserver(() => {
        cancelAnimationFrame(raf);
        raf = requestAnimationFrame(() => { try { fit.fit(); } catch { /* detached */ } });
      });
      ro.observe(host);
      cleanup = () => {
        ro.disconnect(); cancelAnimationFrame(raf);
        d1.dispose(); d2.dispose(); d3.dispose();
        ws.onclose = null; ws.close();
        term.dispose();
      };
    })();
    return () => { disposed = true; cleanup(); };
  }, [url, readOnly, theme]);

  // No padding on the host: FitAddon measures it (padding lives on the wrapper).
  return (
    <div className={cn('rounded-md border p-2', theme === 'dark' ? 'border-zinc-800 bg-[#09090b]' : 'border-zinc-300 bg-[#fafafa]', className)}>
      <div ref={hostRef} data-testid={testIds.terminal.host} data-readonly={readOnly} className="h-full w-full" />
    </div>
  );
}
