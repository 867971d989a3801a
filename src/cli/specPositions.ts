// Render-time errors (an Ignition entry that fails its checks, a payload over a cloud's limit)
// carry spec paths like model errors do: give them the locator compileSpecLocated returned with the
// model, so the CLI shows file:line:col without parsing the spec a second time.
import { KsprayError, type Locator } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { isIgnitionUrlBase } from '../model/rules.js';

export async function atSpecPositions<T>(locator: Locator, file: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof KsprayError) || e.locator || !e.problems.some((p) => p.path)) throw e;
    throw new KsprayError(e.kind, e.problems, e.file ?? file, locator);
  }
}

/** `render --ignition-url-base URL`: the same check as spec.ignition.configUrlBase; no trailing slash. */
export function ignitionUrlBaseFlag(url: string): string {
  if (!isIgnitionUrlBase(url)) throw new KsprayError('input', [messages.badIgnitionUrlBase(url)]);
  return url.replace(/\/+$/, '');
}
