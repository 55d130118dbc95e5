import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build for everyone; Vite would pick index.mjs for
    // our files only, giving two GraphQLError classes (the dual-package hazard).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own loopback simulators and gateway on ephemeral ports.
    pool: 'forks',
    // Most files wait on those servers and on timers, not on the CPU: two at a time on CI's two
    // cores take about 60% of the time one does (vitest's default there is one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
