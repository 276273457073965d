/** The words the statistics' tables and export use (zh-CN, as on the screens). */
import type { CaseSource, Urgency } from '../db/index.ts';
import type { Figures, GroupBy } from './query.ts';

export const SOURCE_LABELS: Record<CaseSource, string> = {
  supervisor: '监督员',
  hotline: '12319热线',
  public: '市民',
  video: '视频',
  sanitation: '智慧环卫',
  utility: '公用事业',
  open311: '市民网上上报',
  other: '其他',
};

/** Orders names as a reader of Chinese expects; one collator (localeCompare with a locale makes one a call). */
export const byName = new Intl.Collator('zh-CN').compare;

/**
 * A grid cell as the city says it, as the admin UI's cellName does: its street, its community and its
 * number there (the code's last two digits, domain.md §1), e.g. 城北街道长寿社区01号网格 — not the code.
 */
export const cellLabel = (c: { code: string; street: string; community: string }) =>
  `${c.street}${c.community}${c.code.slice(-2)}号网格`;

export const URGENCY_LABELS: Record<Urgency, string> = { normal: '一般', urgent: '紧急', critical: '特急' };

export const GROUP_LABELS: Record<GroupBy, string> = {
  category: '问题类别',
  street: '街道',
  grid: '网格',
  department: '处置单位',
  source: '案件来源',
  urgency: '紧急程度',
  day: '日',
  week: '周',
  month: '月',
};

/** The columns of a statistics table: key, label, and how the value reads. */
export const FIGURE_COLUMNS: [keyof Figures, string, 'count' | 'rate' | 'hours'][] = [
  ['reported', '上报数', 'count'],
  ['registered', '立案数', 'count'],
  ['shouldClose', '应处置', 'count'],
  ['disposed', '处置数', 'count'],
  ['closed', '结案数', 'count'],
  ['disposalRate', '处置率', 'rate'],
  ['onTimeDisposalRate', '按期处置率', 'rate'],
  ['closureRate', '结案率', 'rate'],
  ['onTimeClosureRate', '按期结案率', 'rate'],
  ['reworkRate', '返工率', 'rate'],
  ['satisfactionRate', '满意率', 'rate'],
  ['avgHandlingHours', '平均处置时长(工作小时)', 'hours'],
  ['voided', '作废数', 'count'],
];
