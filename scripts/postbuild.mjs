// Makes the compiled CLI entry executable (npm links it as `kspray`).
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
