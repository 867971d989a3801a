// Every read of the environment goes through here, so the variables a command depends on are known
// by code, not by a list kept by hand: the render stamp (stamp/renderStamp.ts) records the names the
// render read, and a later run is fast only if they still hold the same values.
// test/env.test.ts fails on a `process.env` anywhere else in src/.

const read = new Set<string>();

/** The variable's value (undefined when unset), recorded as read by this process. */
export function readEnv(name: string): string | undefined {
  read.add(name);
  return process.env[name];
}

/**
 * A variable that decides nothing any command outputs, only where the process keeps its own
 * scratch (the V8 code cache: XDG_CACHE_HOME, HOME) or how it makes its writes durable (PATH, to
 * find `sync` for io/syncfs.ts: with or without it the bytes written are the same): not recorded,
 * so changing it never invalidates a render stamp. Anything that can change an output uses readEnv.
 */
export function readEnvNotAnInput(name: 'XDG_CACHE_HOME' | 'HOME' | 'PATH'): string | undefined {
  return process.env[name];
}

/** The whole environment (handed to a child process): recorded as a read of every variable. */
export function wholeEnv(): NodeJS.ProcessEnv {
  read.add('*');
  return { ...process.env };
}

/** Sets a variable the process itself relies on, unless the user set it (a read of it too). */
export function defaultEnv(name: string, value: string): void {
  read.add(name);
  process.env[name] ??= value;
}

/** The names read so far, sorted ("*" when the whole environment was). */
export function envReads(): string[] {
  return [...read].sort();
}

/**
 * Current values of `names` ("*": the whole environment, as one JSON text), without recording them:
 * the stamp's own check is not a read of the render.
 */
export function envValues(names: readonly string[]): Record<string, string | null> {
  const whole = () => JSON.stringify(Object.keys(process.env).sort().map((k) => [k, process.env[k]]));
  return Object.fromEntries([...names].sort().map((n) => [n, n === '*' ? whole() : (process.env[n] ?? null)]));
}
