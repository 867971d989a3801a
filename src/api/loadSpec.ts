// spec/ stage: YAML text → ClusterSpec as written, with a SpecSource for error positions.
// Every problem is collected and reported at once (cdk8s style), never only the first.
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { KsprayError, type Problem } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { END_OF_LIFE } from './v1alpha1/endOfLife.js';
import { SpecSource } from './source.js';
import { checkCounts, checkDocument, checkText } from './inputGuard.js';
import { API_VERSION, clusterSpec, type ClusterSpec } from './v1alpha1/types.js';

export interface LoadedSpec {
  spec: ClusterSpec;
  source: SpecSource;
}

export function loadSpec(text: string, file: string): LoadedSpec {
  const textProblems = checkText(text);
  if (textProblems.length) throw new KsprayError('input', textProblems, file);
  const lines = new LineCounter();
  // uniqueKeys off: the library's check is quadratic in a mapping's size; checkDocument does it linearly.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const source = SpecSource.fromDocument(file, text, doc, lines);
  if (doc.errors.length > 0) {
    throw new KsprayError(
      'input',
      doc.errors.map((e) => yamlProblem(e.message, e.pos[0], lines)),
      file,
      source,
    );
  }
  const docProblems = checkDocument(doc, lines);
  if (docProblems.length) throw new KsprayError('input', docProblems, file, source);
  // Aliases are resolved and their expansion bounded by checkDocument: no second limit here.
  const data: unknown = doc.toJS({ maxAliasCount: -1 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new KsprayError('input', [messages.notAMapping()], file, source);
  }
  const apiVersion = (data as Record<string, unknown>).apiVersion;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    throw new KsprayError('input', [{ ...messages.unsupportedApiVersion(String(apiVersion)), path: ['apiVersion'] }], file, source);
  }
  const countProblems = checkCounts(data as Record<string, unknown>);
  if (countProblems.length) throw new KsprayError('input', countProblems, file, source);
  // reportInput: zod 4 leaves issue.input unset otherwise, and messages need it to tell a wrong
  // type (e.g. version: 1.35, a YAML number → "quote it") from a missing field.
  const parsed = clusterSpec.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw new KsprayError('input', parsed.error.issues.flatMap(zodProblems), file, source);
  }
  return { spec: parsed.data, source };
}

function yamlProblem(message: string, offset: number, lines: LineCounter): Problem {
  const { line, col } = lines.linePos(offset);
  // The yaml library's message repeats the position; keep its first line only.
  return { ...messages.yamlSyntax(message.split('\n')[0] ?? message), position: { line, col } };
}

function zodProblems(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ ...messages.unknownKey(key, path), path: [...path, key], atKey: true }));
    case 'invalid_value': {
      // An OS release past its end of life: said by name, with the date and what to use instead.
      const eol = path.at(-1) === 'os' && typeof issue.input === 'string' ? END_OF_LIFE[issue.input] : undefined;
      if (eol) return [{ ...messages.osEndOfLife(issue.input as string, eol.date, eol.instead), path }];
      return [{ ...messages.invalidValue(path, issue.values.map(String), issue.input), path }];
    }
    case 'invalid_type':
      return [{ ...messages.invalidType(path, issue.expected, issue.input), path }];
    default:
      return [{ ...messages.invalidField(path, issue.message), path }];
  }
}
