import { z } from 'zod';
import { enforcementAction, note, text } from './common.ts';

export const recordPenalty = enforcementAction({
  name: 'record-penalty',
  stage: 'penalty',
  event: 'penalty_decided',
  summary: '处罚决定: the decision number (行政处罚决定书文号)',
  body: z.object({ decisionNo: text(100), note }).strict(),
  plan: (body) => ({
    note: body.note ? `${body.decisionNo}\n${body.note}` : body.decisionNo,
    data: { decisionNo: body.decisionNo },
    message: { name: 'enforcement.penalized' },
  }),
});
