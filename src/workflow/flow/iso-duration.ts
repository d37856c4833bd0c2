/**
 * The schema of an ISO-8601 duration property, apart from the flow schema (./schema.ts, which
 * re-exports it): WaitFor runs in the workflow and needs it, and each execution would otherwise
 * load — and build — the whole flow schema.
 */
import { z } from 'zod';
import { parseDuration } from '../interpreter/duration';

export const isoDuration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'must be an ISO-8601 duration such as PT15S or P1D')
  .meta({ pattern: '^[-+]?[Pp]', description: 'ISO-8601 duration, e.g. PT15S, PT1H30M, P1D' });
