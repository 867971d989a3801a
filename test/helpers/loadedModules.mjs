// Preloaded with `node --import`: prints every module the process loads on stderr, one URL a line with
// "LOADED " first, so a test can check what a command's start-up imports: ES modules as they load
// (a loader hook), CommonJS ones (the bundle's chunks, required packages) from require.cache at exit.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function load(url, context, next) { process._rawDebug('LOADED ' + url); return next(url, context); }`),
);
const { cache } = createRequire(import.meta.url);
process.on('exit', () => {
  for (const file of Object.keys(cache)) process._rawDebug(`LOADED ${pathToFileURL(file).href}`);
});
