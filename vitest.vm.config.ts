import { defineConfig } from 'vitest/config';

// `npm run test:vm`: kspray payloads booted in qemu (test/vm). Separate from `npm test`: minutes
// of TCG emulation, a Debian image built once per machine, and root to build it.
export default defineConfig({
  test: {
    include: ['test/vm/**/*.test.ts'],
    // Image build (first run on a machine) + two TCG boots and a reboot on 2 cores.
    testTimeout: 40 * 60_000,
    hookTimeout: 30 * 60_000,
    maxWorkers: 1,
  },
});
