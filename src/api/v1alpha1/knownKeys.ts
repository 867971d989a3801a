// The keys the spec schema allows at a path: used to suggest "did you mean" for typos, or to say why
// kspray withdrew a Kubespray addon, in the unknown-key message.
import { z } from 'zod';
import type { SpecPath } from '../../errors/errors.js';
import { messages, withdrawnAddonReasons, type Msg } from '../../errors/messages.js';
import { clusterSpec } from './types.js';

/** The unknown-key message for `key` under `parent`, with the most useful hint the schema gives. */
export function unknownKeyMessage(key: string, parent: SpecPath): Msg {
  const known = knownKeysAt(parent);
  const underAddons = parent.length === 2 && parent[0] === 'spec' && parent[1] === 'addons';
  const withdrawn = underAddons ? withdrawnAddonReasons[key.toLowerCase().replace(/[-_]/g, '')] : undefined;
  return messages.unknownKey(key, parent, { known, guess: closest(key, known), withdrawn });
}

export function knownKeysAt(path: SpecPath): string[] {
  let schema: z.ZodType | undefined = clusterSpec;
  for (const part of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(part)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** Closest candidate by edit distance, if close enough to be a plausible typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
