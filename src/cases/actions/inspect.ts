import { z } from 'zod';
import { enforcementAction, text } from './common.ts';

export const inspect = enforcementAction({
  name: 'inspect',
  stage: 'inspect',
  event: 'enforcement_inspected',
  summary: '现场检查: evidence photos and notes, whether the violation was found',
  body: z
    .object({
      violationFound: z.boolean().describe('false: nothing illegal found (or already gone) — 执法办结'),
      note: text(4000).describe('what the officer found'),
    })
    .strict(),
  photos: 'evidence',
  plan: (body) => ({
    note: body.note,
    data: { violationFound: body.violationFound },
    message: { name: 'enforcement.inspected', variables: { violationFound: body.violationFound } },
  }),
});
