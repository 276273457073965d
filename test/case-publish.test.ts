// The publisher's message list is the contract's: processes/README.md's "Messages" tables name each
// message, its correlation key and the only variables it carries.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { CASE_MESSAGE_VARIABLES, contractVariables, messageIdOf } from '../src/cases/publish.ts';

const readme = readFileSync(new URL('../processes/README.md', import.meta.url), 'utf8');

/** message → [correlation key, variables named in the payload column] for the case-correlated messages. */
function contractMessages(): Map<string, { key: string; variables: string[] }> {
  // Every variable of the procedures' Variables tables: the words the payload column may name.
  const known = new Set<string>();
  for (const m of readme.matchAll(/^\| ((?:`[A-Za-z]+`(?:, )?)+) \| [^|]+ \| [^|]+ \| [^|]+ \|$/gm))
    for (const v of m[1]!.matchAll(/`([A-Za-z]+)`/g)) known.add(v[1]!);
  const out = new Map<string, { key: string; variables: string[] }>();
  for (const m of readme.matchAll(/^\| `([a-z]+\.[A-Za-z]+)` \| ([^|]+) \| [^|]+ \| ([^|]+) \|/gm)) {
    // "none (corrected category/urgency go to the case store)": the parenthesis explains, it names no payload.
    const words = [...m[3]!.replace(/`[^`]*`|\([^)]*\)/g, '').matchAll(/\b([a-z][A-Za-z]+)\b/g)].map(
      (w) => w[1]!,
    );
    out.set(m[1]!, { key: m[2]!.trim(), variables: words.filter((w) => known.has(w)).sort() });
  }
  return out;
}

test('CASE_MESSAGE_VARIABLES lists exactly the case-correlated messages of the contract with their variables', (t) => {
  const contract = contractMessages();
  const caseMessages = [...contract].filter(([, m]) => m.key === '`=caseId`');
  t.true(caseMessages.length >= 17, `found ${caseMessages.length} messages in processes/README.md`);
  t.deepEqual(
    Object.fromEntries(caseMessages.map(([name, m]) => [name, m.variables])),
    Object.fromEntries(
      Object.entries(CASE_MESSAGE_VARIABLES).map(([name, vars]) => [name, [...vars].sort()]),
    ),
  );
});

test('a variable outside the contract is refused; undefined ones are dropped; messageId names case, message and event', (t) => {
  t.deepEqual(
    contractVariables({
      name: 'case.verified',
      caseId: 'c1',
      eventId: 'e1',
      variables: { verifyResult: 'confirmed', voidReason: undefined },
    }),
    { verifyResult: 'confirmed' },
  );
  const err = t.throws(() =>
    contractVariables({
      name: 'case.signed',
      caseId: 'c1',
      eventId: 'e1',
      variables: { signedAt: 'x', note: 'y' } as never,
    }),
  );
  t.is(err.message, 'case.signed carries no variable note (processes/README.md lists: signedAt)');
  t.throws(
    () =>
      contractVariables({
        name: 'case.registered',
        caseId: 'c1',
        eventId: 'e1',
        variables: { categoryCode: '0101' } as never,
      }),
    {
      message: /case.registered carries no variable categoryCode \(processes\/README.md lists: none\)/,
    },
  );
  t.is(messageIdOf({ name: 'case.checked', caseId: 'c1', eventId: 'e9' }), 'c1:case.checked:e9');
});
