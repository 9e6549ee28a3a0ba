/**
 * THE zod type of a time with an offset at a device boundary (replay scenarios' `at`, and any
 * schema that takes one): a real calendar day, hour and offset, checked by rules/dates.ts
 * `timestampProblem` so that `2026-02-30T07:58:05+09:00` is refused, never read as 2 March.
 */
import { z } from 'zod';
import { timestampProblem } from '../rules/dates.js';

export const IsoTimestamp = z.string().superRefine((v, ctx) => {
  const problem = timestampProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
