import test from 'ava';
import { applyEvent, canApply, CASE_EVENT_TYPES, CASE_STATUSES, EVENT_RULES } from '../src/cases/index.ts';
import { HubError } from '../src/errors.ts';
import { readFileSync } from 'node:fs';

/** Applies a whole timeline from a new case, returning the status after each event. */
const run = (types: string[]) => {
  let status: (typeof CASE_STATUSES)[number] | null = null;
  let suspendedFrom: (typeof CASE_STATUSES)[number] | null = null;
  return types.map((type) => {
    if (type === 'suspended') suspendedFrom = status;
    status = applyEvent(status, type, suspendedFrom);
    return status;
  });
};

test('a supervisor report runs 上报 → 立案 → 派遣 → 签收 → 处置 → 核查 → 结案 → 回访', (t) => {
  t.deepEqual(
    run([
      'reported',
      'registered',
      'dispatched',
      'signed',
      'disposed',
      'check_requested',
      'check_passed',
      'closed',
      'callback',
    ]),
    [
      'reported',
      'registered',
      'dispatched',
      'signed',
      'disposed',
      'checking',
      'checking',
      'closed',
      'closed',
    ],
  );
});

test('a public report goes through 核实 before 立案; a false one is voided', (t) => {
  t.deepEqual(run(['reported', 'accepted', 'verify_requested', 'verified', 'registered']), [
    'reported',
    'accepted',
    'verifying',
    'accepted',
    'registered',
  ]);
  t.deepEqual(run(['reported', 'verify_requested', 'voided']), ['reported', 'verifying', 'voided']);
  t.deepEqual(run(['reported', 'verify_requested', 'self_handled', 'closed']), [
    'reported',
    'verifying',
    'disposed',
    'closed',
  ]);
});

test('回退 puts the case back to 立案 for the dispatcher; 核查不通过 sends it back to the department (返工)', (t) => {
  t.deepEqual(run(['reported', 'registered', 'dispatched', 'signed', 'returned', 'dispatched']), [
    'reported',
    'registered',
    'dispatched',
    'signed',
    'registered',
    'dispatched',
  ]);
  t.deepEqual(
    run([
      'reported',
      'registered',
      'dispatched',
      'signed',
      'disposed',
      'check_requested',
      'check_failed',
      'signed',
    ]),
    ['reported', 'registered', 'dispatched', 'signed', 'disposed', 'checking', 'dispatched', 'signed'],
  );
});

test('挂账 and 挂账恢复 return to the status before the suspension; 延期 and 催办 keep the status', (t) => {
  t.deepEqual(run(['reported', 'registered', 'dispatched', 'signed', 'suspended', 'resumed']), [
    'reported',
    'registered',
    'dispatched',
    'signed',
    'suspended',
    'signed',
  ]);
  t.deepEqual(run(['reported', 'registered', 'dispatched', 'suspended', 'resumed']).at(-1), 'dispatched');
  t.deepEqual(
    run([
      'reported',
      'registered',
      'dispatched',
      'extension_requested',
      'extension_approved',
      'urged',
      'escalated',
    ]).slice(2),
    ['dispatched', 'dispatched', 'dispatched', 'dispatched', 'dispatched'],
  );
});

test('a refused transition is a conflict that names the event, the status and where it is allowed', (t) => {
  const err = t.throws(() => applyEvent('registered', 'signed'), { instanceOf: HubError });
  t.is(err.type, 'conflict');
  t.is(err.status, 409);
  t.is(err.message, '签收 (signed) is not allowed in status 立案 (registered); allowed in: dispatched');
  t.deepEqual(err.extensions, { eventType: 'signed', status: 'registered', allowedFrom: ['dispatched'] });
  t.is(
    t.throws(() => applyEvent(null, 'dispatched'))!.message,
    '派遣 (dispatched) is not allowed in a new case; allowed in: registered',
  );
  t.is(
    t.throws(() => applyEvent('reported', 'reported'))!.message,
    '上报 (reported) is not allowed in status 上报 (reported); allowed in: only as the first event of a case',
  );
  t.is(t.throws<HubError>(() => applyEvent('closed', 'voided'))!.type, 'conflict');
  t.is(t.throws(() => applyEvent('signed', 'teleported'))!.message, 'unknown case event type "teleported"');
  t.regex(
    t.throws(() => applyEvent('suspended', 'resumed', null))!.message,
    /needs the status the case had before 挂账/,
  );
});

test('the transition table: every event and status pair agrees with canApply, final statuses accept only 回访 (and its reopen)', (t) => {
  for (const type of CASE_EVENT_TYPES) {
    for (const status of [null, ...CASE_STATUSES]) {
      const ok = canApply(status, type);
      if (ok) t.notThrows(() => applyEvent(status, type, 'signed'), `${type} in ${status}`);
      else
        t.throws(() => applyEvent(status, type, 'signed'), { instanceOf: HubError }, `${type} in ${status}`);
    }
  }
  // A leader's 批示 (and its acknowledgement) may concern any case, a closed or voided one too.
  const afterClose = CASE_EVENT_TYPES.filter((type) => canApply('closed', type));
  t.deepEqual(afterClose, ['callback', 'reopened', 'instruction', 'instruction_acknowledged']);
  t.deepEqual(
    CASE_EVENT_TYPES.filter((type) => canApply('voided', type)),
    ['instruction', 'instruction_acknowledged'],
  );
  t.deepEqual(
    CASE_EVENT_TYPES.filter((type) => canApply(null, type)),
    ['reported'],
  );
  // every target status is a real status
  for (const rule of Object.values(EVENT_RULES)) {
    t.true(['same', 'resume', ...CASE_STATUSES].includes(rule.to));
  }
});

test('every case message of processes/README.md has the event type that records it', (t) => {
  const readme = readFileSync(new URL('../processes/README.md', import.meta.url), 'utf8');
  const messages = [...new Set([...readme.matchAll(/`(case\.[a-zA-Z]+)`/g)].map((m) => m[1]!))].sort();
  const recordedBy: Record<string, string[]> = {
    'case.verified': ['verified', 'voided', 'self_handled'],
    'case.registered': ['registered'],
    'case.voided': ['voided'],
    'case.dispatched': ['dispatched'],
    'case.signed': ['signed'],
    'case.disposed': ['disposed'],
    'case.redispatched': ['redispatched'],
    'case.extensionRequested': ['extension_requested'],
    'case.extensionDecided': ['extension_approved', 'extension_rejected'],
    'case.returnRequested': ['return_requested'],
    'case.returnDecided': ['returned', 'return_rejected'],
    'case.suspensionRequested': ['suspension_requested'],
    'case.suspensionDecided': ['suspended', 'suspension_rejected'],
    'case.resumed': ['resumed'],
    'case.checked': ['check_passed', 'check_failed'],
    'case.callbackDone': ['callback'],
    'case.enforcementHanded': ['enforcement_handed'],
    'case.located': ['location_repaired'],
  };
  t.deepEqual(messages, Object.keys(recordedBy).sort());
  for (const types of Object.values(recordedBy)) for (const type of types) t.true(type in EVENT_RULES, type);
});
