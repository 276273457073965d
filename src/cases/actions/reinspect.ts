import { z } from 'zod';
import { enforcementAction, text } from './common.ts';

export const reinspect = enforcementAction({
  name: 'reinspect',
  stage: 'reinspect',
  event: 'reinspected',
  summary: '复查: corrected (执法办结) or notCorrected (处罚决定 follows), with photos',
  body: z.object({ result: z.enum(['corrected', 'notCorrected']), note: text(4000) }).strict(),
  photos: 'evidence',
  plan: (body) => ({
    note: body.note,
    data: { result: body.result },
    message: { name: 'enforcement.reinspected', variables: { reinspectResult: body.result } },
  }),
});
