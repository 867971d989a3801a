// Makes the compiled CLI entry executable (npm links it as `kspray`), then records the build's content
// digest for the render stamp (src/stamp/buildDigest.ts): last, so it describes the finished build.
import { chmodSync, writeFileSync } from 'node:fs';
chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
const { recordBuild, BUILD_DIGEST_FILE } = await import('../dist/stamp/buildDigest.js');
writeFileSync(BUILD_DIGEST_FILE, `${JSON.stringify(recordBuild())}\n`);
