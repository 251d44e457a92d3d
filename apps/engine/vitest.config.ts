import { defineConfig } from 'vitest/config';

// Unit tests only; apps/engine/test holds the integration suite (vitest.integration.config.ts).
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], passWithNoTests: true },
});
