// One error type for everything kspray reports to a user. The CLI maps `kind` to the exit code:
// 'input' (the user's spec, flags or bundle are wrong: exit 2) or 'failure' (kspray or the system: exit 1).

/** A path inside the spec document, e.g. ['spec', 'nodes', 2, 'address']. */
export type SpecPath = ReadonlyArray<string | number>;

export interface Problem {
  /** Stable rule name, e.g. 'cidr-overlap'; tests and docs refer to it. */
  rule: string;
  message: string;
  /** How to fix it, one sentence. */
  hint?: string;
  /** Where in the spec the problem is; the CLI turns it into file:line:col. */
  path?: SpecPath;
  /** Point at the key itself rather than its value (unknown keys). */
  atKey?: boolean;
  /** A position known without a spec path (YAML syntax errors). */
  position?: { line: number; col: number };
  /** The file the position refers to, when not the error's own (kspray import reads many). */
  file?: string;
}

/** Maps a spec path to a position in the file (spec/source.ts implements it). */
export interface Locator {
  locate(path: SpecPath, atKey?: boolean): { line: number; col: number };
  /** The text of a 1-based line, for the snippet under an error. */
  lineText(line: number): string | undefined;
}

export class KsprayError extends Error {
  readonly kind: 'input' | 'failure';
  readonly problems: Problem[];
  /** The file the problems' paths refer to, when there is one. */
  readonly file?: string;
  /** Set once the spec is parsed, so paths can be shown as file:line:col. */
  locator?: Locator;

  constructor(kind: 'input' | 'failure', problems: Problem[], file?: string, locator?: Locator) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'KsprayError';
    this.kind = kind;
    this.problems = problems;
    this.file = file;
    this.locator = locator;
  }
}

export function inputError(problem: Problem, file?: string): KsprayError {
  return new KsprayError('input', [problem], file);
}

export function failure(problem: Problem): KsprayError {
  return new KsprayError('failure', [problem]);
}

export function formatSpecPath(path: SpecPath): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}
