/**
 * Next.js config for the Berth dashboard.
 * The engine is reached same-origin under /engine/*: src/proxy.ts rewrites those requests at
 * RUNTIME to $BERTH_ENGINE_URL (default http://127.0.0.1:4001), so one build serves any engine
 * port (npm start, the e2e suite). Rewrites in this file would be frozen at build time.
 */
import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  allowedDevOrigins: ['127.0.0.1'],
  devIndicators: false,
  // the engine streams logs/events; never buffer or compress proxied bodies
  compress: false,
  experimental: {
    // proxied engine calls: a whole-log download or a search may run longer than the 30 s default
    proxyTimeout: 300_000,
  },
};

export default config;
