/**
 * @module proxy
 * Same-origin access to the engine: /engine/* is rewritten to $BERTH_ENGINE_URL (default
 * http://127.0.0.1:4001) at request time, for HTTP and for WebSocket upgrades (/engine/trpc,
 * /engine/tty). The browser never learns the engine's port, and there is no CORS to get wrong.
 * Authorization is NOT done here: the engine checks the session, Origin and Host itself.
 */
import { NextResponse, type NextRequest } from 'next/server';

const ENGINE = (process.env.BERTH_ENGINE_URL ?? 'http://127.0.0.1:4001').replace(/\/$/, '');

export function proxy(req: NextRequest) {
  const rest = req.nextUrl.pathname.slice('/engine'.length) || '/';
  return NextResponse.rewrite(new URL(`${ENGINE}${rest}${req.nextUrl.search}`));
}

export const config = { matcher: '/engine/:path*' };
