import { z } from 'zod';
import { enforcementAction, note, text } from './common.ts';

export const orderRectification = enforcementAction({
  name: 'order-rectification',
  stage: 'order',
  event: 'rectification_ordered',
  summary: '责令整改: what to correct and in how many working days (default ENFORCEMENT_RECTIFY_DAYS)',
  body: z
    .object({
      requirement: text(2000).describe('整改要求'),
      periodDays: z.number().int().min(1).max(90).optional().describe('working days to correct'),
      note,
    })
    .strict(),
  plan: (body) => ({
    note: body.note ? `${body.requirement}\n${body.note}` : body.requirement,
    data: { requirement: body.requirement, ...(body.periodDays ? { periodDays: body.periodDays } : {}) },
    message: { name: 'enforcement.ordered' },
  }),
});
