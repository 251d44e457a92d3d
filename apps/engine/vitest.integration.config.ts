/**
 * @module vitest.integration.config
 * Vitest config for the engine integration tests in `test/`: each suite drives a real
 * berthd (temp data-root, temp unix socket, real runc) through the Docker API, as root.
 * Files run one after another because they share the host's mounts, iptables and
 * cgroups; the timeouts leave room for image imports and container start/stop.
 * Run by scripts/test.sh: `cd apps/engine && npx vitest run --config vitest.integration.config.ts`.
 */
import { defineConfig } from 'vitest/config';

// Vitest loads the config through its default export.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // Until the first integration test lands, an empty test/ is not a failure.
    passWithNoTests: true,
  },
});
