import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The VM boots run on their own: npm run test:vm (vitest.vm.config.ts).
    exclude: ['test/vm/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // 2-core CI machines: real etcd, openssl and cloud-init processes run inside tests.
    maxWorkers: 2,
  },
});
