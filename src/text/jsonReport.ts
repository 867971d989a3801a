// The `--output json` of kspray's tables (render's summary, certs check, upgrade --plan, artifacts
// list; diff has its own in diff/): each report is one zod schema, which gives the TypeScript type,
// and the JSON Schema committed under schema/ (kept in sync by test/reportSchemas.test.ts). Every
// report starts with apiVersion and kind, as kubectl's and kspray's diff do, so a tool reading one
// knows which shape it holds and when the shape changes (a new apiVersion, never a silent change).
import { z } from 'zod';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';

/** Bumped only with an incompatible change of a report's shape (fields may be added within one). */
export const REPORT_API_VERSION = 'kspray.dev/v1alpha1';

/** The two fields that open every report. */
export const reportHeader = <K extends string>(kind: K) => ({ apiVersion: z.literal(REPORT_API_VERSION), kind: z.literal(kind) });

/** The committed JSON Schema (draft 2020-12) of a report: schema/<file>.schema.json. */
export function reportJsonSchema(schema: z.ZodType, file: string, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  return { ...json, $id: `https://kspray.dev/schemas/v1alpha1/${file}.json`, title };
}

/** Pretty JSON with a final newline, as every report is printed. */
export const reportText = (report: unknown): string => `${JSON.stringify(report, null, 2)}\n`;

/** What every command with a JSON form takes as --output. */
export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The --output flag's value, or a refusal (exit 2) naming the choices. */
export function outputFormat(value: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) throw new KsprayError('input', [messages.unknownChoice('--output', value, OUTPUT_FORMATS)]);
  return value as OutputFormat;
}
