// Preloaded with `node --import`: prints every module the process loads (one URL a line, "LOADED "
// first) on stderr, so a test can check what a command's start-up imports.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function load(url, context, next) { process._rawDebug('LOADED ' + url); return next(url, context); }`),
);
