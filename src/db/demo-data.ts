/**
 * The Rugao (如皋) demo data: departments, categories with their time limits, one user per role. Names
 * and codes follow domain.md; contacts are invented (example.com, 0513-0000-xxxx). The grid and the
 * gazetteer are in demo-geography.ts. Every number here is data an administrator edits, not a rule in code.
 */
import type {
  CaseStep,
  CategoryKind,
  DepartmentKind,
  Role,
  TimeMode,
  Urgency,
} from '../generated/sqlite/enums.ts';

/** Rugao's administrative division code (GB/T 2260), the first 6 digits of grid and component codes. */
export const COUNTY_CODE = '320682';

export interface DemoDepartment {
  code: string;
  name: string;
  kind: DepartmentKind;
  parentCode?: string;
  active?: boolean;
  contactName?: string;
  contactPhone?: string;
  contactEmail?: string;
}

/** The 23 first-level departments of domain.md §0 (plausible names; the real list is the city's). */
const FIRST_LEVEL: [code: string, name: string][] = [
  ['D01', '公安局'],
  ['D02', '住房和城乡建设局'],
  ['D03', '交通运输局'],
  ['D04', '民政局'],
  ['D05', '城市管理局'],
  ['D06', '综合行政执法局'],
  ['D07', '自然资源和规划局'],
  ['D08', '生态环境局'],
  ['D09', '水务局'],
  ['D10', '市场监督管理局'],
  ['D11', '农业农村局'],
  ['D12', '文化广电和旅游局'],
  ['D13', '卫生健康委员会'],
  ['D14', '教育体育局'],
  ['D15', '应急管理局'],
  ['D16', '商务局'],
  ['D17', '公安局交通警察大队'],
  ['D18', '市政设施管理处'],
  ['D19', '环境卫生管理处'],
  ['D20', '园林绿化管理处'],
  ['D21', '房产管理中心'],
  ['D22', '人民防空办公室'],
  ['D23', '如皋经济技术开发区管理委员会'],
];

/** Street and town sub-centres (二级平台), in the order of domain.md §0; 城北街道 runs, 长江镇 is being built. */
const SUB_CENTRES: [code: string, name: string, active: boolean][] = [
  ['S01', '城北街道', true],
  ['S02', '长江镇', true],
  ['S03', '如城东片区', false],
  ['S04', '城南街道', false],
  ['S05', '白蒲镇', false],
  ['S06', '江安镇', false],
  ['S07', '磨头镇', false],
  ['S08', '搬经镇', false],
];

export const DEPARTMENTS: DemoDepartment[] = [
  ...FIRST_LEVEL.map(([code, name]) => ({ code, name, kind: 'department' as const })),
  {
    code: 'U-WATER',
    name: '如皋市供水公司',
    kind: 'utility',
    contactName: '供水调度值班室',
    contactPhone: '0513-0000-0101',
    contactEmail: 'water-dispatch@example.com',
  },
  {
    code: 'U-GAS',
    name: '如皋市燃气公司',
    kind: 'utility',
    contactName: '燃气抢修值班室',
    contactPhone: '0513-0000-0102',
    contactEmail: 'gas-dispatch@example.com',
  },
  {
    code: 'U-POWER',
    name: '如皋市供电公司',
    kind: 'utility',
    contactName: '供电抢修值班室',
    contactPhone: '0513-0000-0103',
    contactEmail: 'power-dispatch@example.com',
  },
  ...SUB_CENTRES.map(([code, name, active]) => ({ code, name, kind: 'street_center' as const, active })),
  // Units a sub-centre dispatches to: the second level of command (两级指挥).
  { code: 'S01-ZD', name: '城北街道城管中队', kind: 'department', parentCode: 'S01' },
  { code: 'S01-SQ', name: '城北街道社区服务中心', kind: 'department', parentCode: 'S01' },
  { code: 'S02-ZD', name: '长江镇城管中队', kind: 'department', parentCode: 'S02' },
];

export interface DemoCategory {
  kind: CategoryKind;
  code: string;
  majorName: string;
  name: string;
  /** department code */
  department: string;
}

const EVENT_MAJORS: Record<string, string> = {
  '01': '市容环境',
  '02': '宣传广告',
  '03': '施工管理',
  '04': '突发事件',
  '05': '街面秩序',
};

/** Events with the codes of domain.md §1 ([S8][S11][S12]); xx99 其他 per major. */
const EVENTS: [code: string, name: string, department: string][] = [
  ['0101', '私搭乱建', 'D06'],
  ['0102', '暴露垃圾', 'D19'],
  ['0103', '积存垃圾渣土', 'D19'],
  ['0104', '道路不洁', 'D19'],
  ['0105', '水域不洁', 'D09'],
  ['0106', '绿地脏乱', 'D20'],
  ['0199', '其他', 'D05'],
  ['0201', '非法小广告', 'D06'],
  ['0204', '街头散发广告', 'D06'],
  ['0299', '其他', 'D06'],
  ['0301', '施工扰民', 'D02'],
  ['0302', '工地扬尘', 'D02'],
  ['0304', '施工占道', 'D02'],
  ['0399', '其他', 'D02'],
  ['0401', '路面塌陷', 'D18'],
  ['0402', '自来水管破裂', 'U-WATER'],
  ['0403', '燃气管道破裂', 'U-GAS'],
  ['0404', '下水道堵塞或破损', 'D18'],
  ['0406', '道路积水', 'D18'],
  ['0499', '其他', 'D15'],
  ['0501', '无照经营游商', 'D06'],
  ['0504', '店外经营', 'D06'],
  ['0505', '机动车乱停放', 'D17'],
  ['0506', '非机动车乱停放', 'D06'],
  ['0599', '其他', 'D06'],
];

/**
 * Components of major 01 公用设施 in the order of [S9]; codes 0101… by that order [I]. The source lists
 * 路灯, 消火栓, 报刊亭, 邮筒 after an ellipsis, so their codes 0112–0115 are placeholders to verify
 * against GB/T 30428.2.
 */
const COMPONENTS_01: [code: string, name: string, department: string][] = [
  ['0101', '上水井盖', 'U-WATER'],
  ['0102', '污水井盖', 'D18'],
  ['0103', '雨水井盖', 'D18'],
  ['0104', '雨水箅子', 'D18'],
  ['0105', '电力井盖', 'U-POWER'],
  ['0106', '路灯井盖', 'D18'],
  ['0107', '通讯井盖', 'D05'],
  ['0108', '有线电视井盖', 'D12'],
  ['0109', '热力井盖', 'D02'],
  ['0110', '燃气井盖', 'U-GAS'],
  ['0111', '公安井盖', 'D01'],
  ['0112', '路灯', 'D18'],
  ['0113', '消火栓', 'U-WATER'],
  ['0114', '报刊亭', 'D05'],
  ['0115', '邮筒', 'D05'],
];

/**
 * The other five majors of GB/T 30428.2 (domain.md §1: 02 道路交通, 03 市容环境, 04 园林绿化, 05 房屋土地
 * [U], 06 其他设施). The minors are the common ones of city tables, recalled [U], numbered by that order
 * [I]: data the administrator edits (运维管理 → 类别), as a city adds its 扩展部件 under a major of its own.
 */
const COMPONENT_MAJORS: Record<string, string> = {
  '01': '公用设施',
  '02': '道路交通',
  '03': '市容环境',
  '04': '园林绿化',
  '05': '房屋土地',
  '06': '其他设施',
};
const COMPONENTS_02_06: [code: string, name: string, department: string][] = [
  ['0201', '停车场', 'D17'],
  ['0202', '公交站亭', 'D03'],
  ['0203', '出租车停靠站', 'D03'],
  ['0204', '交通标志牌', 'D17'],
  ['0205', '交通信号灯', 'D17'],
  ['0206', '道路护栏', 'D18'],
  ['0207', '过街天桥', 'D18'],
  ['0208', '路名牌', 'D05'],
  ['0209', '电子警察', 'D17'],
  ['0210', '盲道', 'D18'],
  ['0301', '公共厕所', 'D19'],
  ['0302', '垃圾箱', 'D19'],
  ['0303', '垃圾转运站', 'D19'],
  ['0304', '广告牌匾', 'D05'],
  ['0305', '灯箱霓虹灯', 'D05'],
  ['0306', '环卫工具房', 'D19'],
  ['0401', '古树名木', 'D20'],
  ['0402', '行道树', 'D20'],
  ['0403', '护树设施', 'D20'],
  ['0404', '绿地', 'D20'],
  ['0405', '城市雕塑', 'D20'],
  ['0406', '街头座椅', 'D20'],
  ['0501', '宣传栏', 'D05'],
  ['0502', '人防工事', 'D22'],
  ['0503', '公房', 'D21'],
  ['0504', '空置土地', 'D07'],
  ['0601', '公共健身设施', 'D14'],
  ['0602', '售货亭', 'D10'],
  ['0603', '水域护栏', 'D09'],
  ['0604', '监控摄像头', 'D01'],
];

export const CATEGORIES: DemoCategory[] = [
  ...EVENTS.map(([code, name, department]) => ({
    kind: 'event' as const,
    code,
    majorName: EVENT_MAJORS[code.slice(0, 2)]!,
    name,
    department,
  })),
  ...[...COMPONENTS_01, ...COMPONENTS_02_06].map(([code, name, department]) => ({
    kind: 'component' as const,
    code,
    majorName: COMPONENT_MAJORS[code.slice(0, 2)]!,
    name,
    department,
  })),
];

// ---------------------------------------------------------------------------------------------------
// Time limits
// ---------------------------------------------------------------------------------------------------

export interface DemoLimit {
  minutes: number;
  mode: TimeMode;
  source: string;
}

/** One standard working day under the default shifts (08:30–12:00, 13:30–17:30): 7.5 h. */
export const WORKING_DAY_MINUTES = 450;

const working = (minutes: number, source: string): DemoLimit => ({ minutes, mode: 'working', source });
const natural = (minutes: number, source: string): DemoLimit => ({ minutes, mode: 'natural', source });
const days = (n: number) => n * WORKING_DAY_MINUTES;

type StepLimits = Record<Urgency, DemoLimit>;

// Emergencies run on natural hours (domain.md §1, "emergencies likely natural hours [I]").
const URGENT_GUESS = 'urgent/critical: natural time, shortened by inference [I]';

/** Limits of the steps before and after disposal; the same for every category. */
const COMMON_STEPS: Record<Exclude<CaseStep, 'dispose'>, StepLimits> = {
  accept: {
    normal: working(days(0.5), '12319 受理 0.5 工作日 [S23]'),
    urgent: natural(30, URGENT_GUESS),
    critical: natural(10, URGENT_GUESS),
  },
  verify: {
    normal: working(60, 'Fuzhou: 核实 within 1 working hour [S14]'),
    urgent: natural(60, 'domain.md scenario 1: 紧急 核实 ≤1 h on natural time'),
    critical: natural(30, URGENT_GUESS),
  },
  register: {
    normal: working(15, 'Taiyuan: 立案+派遣 ≤30 min (一般) [S13], half for 立案'),
    urgent: natural(5, 'Taiyuan: 立案+派遣 ≤10 min (紧急) [S13], half for 立案'),
    critical: natural(5, 'Taiyuan: 立案+派遣 ≤10 min (紧急) [S13], half for 立案'),
  },
  dispatch: {
    normal: working(15, 'Taiyuan: 立案+派遣 ≤30 min (一般) [S13], half for 派遣'),
    urgent: natural(5, 'Taiyuan: 立案+派遣 ≤10 min (紧急) [S13], half for 派遣'),
    critical: natural(5, 'Taiyuan: 立案+派遣 ≤10 min (紧急) [S13], half for 派遣'),
  },
  sign: {
    normal: working(60, 'Fuzhou: the department signs for it within 1 h [S14]'),
    urgent: natural(30, URGENT_GUESS),
    critical: natural(15, URGENT_GUESS),
  },
  check: {
    normal: working(60, 'Taiyuan: 核查 ≤1 h in the city (2 h rural) [S13]'),
    urgent: natural(60, 'Taiyuan: 核查 ≤1 h in the city [S13], natural time for emergencies [I]'),
    critical: natural(30, URGENT_GUESS),
  },
};

const DEFAULT_DISPOSE: StepLimits = {
  normal: working(days(1), 'default 1 工作日, as 暴露垃圾 in [S11] [I]'),
  urgent: natural(240, URGENT_GUESS),
  critical: natural(120, URGENT_GUESS),
};

const cover = natural(120, '污水井盖 missing: 2 h [S13]; applied to every manhole cover [I]');
const COVER_DISPOSE: StepLimits = { normal: cover, urgent: cover, critical: natural(60, URGENT_GUESS) };

/** Disposal limits that differ from the default, by `kind:code`. */
const DISPOSE: Record<string, StepLimits> = {
  'event:0101': {
    normal: working(days(20), '私搭乱建: demolish within 20 工作日 (penalty 7 工作日) [S12]'),
    urgent: working(240, '私搭乱建: stop the works within 4 工作时 [S12]'),
    critical: natural(120, URGENT_GUESS),
  },
  'event:0102': { ...DEFAULT_DISPOSE, normal: working(240, '暴露垃圾 4 工作时 [S12] (1 工作日 in [S11])') },
  'event:0103': { ...DEFAULT_DISPOSE, normal: working(days(4), '积存垃圾渣土 4 工作日 [S11]') },
  'event:0104': { ...DEFAULT_DISPOSE, normal: working(300, '道路不洁 5 工作时 [S11]') },
  'component:0112': { ...DEFAULT_DISPOSE, normal: working(days(1), '3 dark streetlights: 1 工作日 [S13]') },
};
for (const [code] of COMPONENTS_01.filter(([, name]) => name.endsWith('井盖'))) {
  DISPOSE[`component:${code}`] = COVER_DISPOSE;
}

const URGENCIES: Urgency[] = ['normal', 'urgent', 'critical'];
const STEPS: CaseStep[] = ['accept', 'verify', 'register', 'dispatch', 'sign', 'dispose', 'check'];

/** The 21 limits (3 urgencies × 7 steps) of one category. */
export function limitsFor(
  category: Pick<DemoCategory, 'kind' | 'code'>,
): (DemoLimit & { urgency: Urgency; step: CaseStep })[] {
  const dispose = DISPOSE[`${category.kind}:${category.code}`] ?? DEFAULT_DISPOSE;
  return URGENCIES.flatMap((urgency) =>
    STEPS.map((step) => ({
      urgency,
      step,
      ...(step === 'dispose' ? dispose[urgency] : COMMON_STEPS[step][urgency]),
    })),
  );
}

// ---------------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------------

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  /** department code */
  department?: string;
  kind?: 'person' | 'service';
}

/** One user per role (username = role name), plus handlers of the water company and 城北街道. */
export const USERS: DemoUser[] = [
  { username: 'administrator', displayName: '系统管理员', role: 'administrator' },
  { username: 'acceptor', displayName: '受理员', role: 'acceptor', department: 'D05' },
  { username: 'dispatcher', displayName: '派遣员', role: 'dispatcher', department: 'D05' },
  {
    username: 'department_handler',
    displayName: '执法局处置员',
    role: 'department_handler',
    department: 'D06',
  },
  { username: 'field_supervisor', displayName: '监督员', role: 'field_supervisor', department: 'D05' },
  { username: 'shift_leader', displayName: '值班长', role: 'shift_leader', department: 'D05' },
  { username: 'leader', displayName: '领导', role: 'leader' },
  {
    username: 'law_enforcement',
    displayName: '执法队员',
    role: 'law_enforcement',
    department: 'D06',
  },
  { username: 'service', displayName: '接口服务账号', role: 'service', kind: 'service' },
  {
    username: 'water_handler',
    displayName: '供水公司处置员',
    role: 'department_handler',
    department: 'U-WATER',
  },
  {
    username: 'chengbei_handler',
    displayName: '城北街道处置员',
    role: 'department_handler',
    department: 'S01',
  },
];
