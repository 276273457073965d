/**
 * Full-text search over case descriptions and addresses, the same on SQLite and PostgreSQL and for
 * Chinese (which has no spaces to split words at, and which PostgreSQL's tsvector does not segment).
 *
 * Index (CaseSearchTerm rows, written with the case in one transaction): the text is NFKC-normalised and
 * lower-cased; each run of CJK characters gives its overlapping bigrams (人行道 → 人行, 行道) plus its
 * last character (道), each run of letters/digits one word (rg, 120). A query is tokenised the same
 * way and every term must match: a CJK run of two or more characters matches by its bigrams, a single
 * CJK character matches any term that starts with it (its bigrams or the last-character row), a word
 * matches that word.
 *
 * Query plan: one SQL statement intersects the terms together with the filters, the department scope
 * and the cursor (Prisma's relation filters: a join from the driving term's index rows to Case, and an
 * EXISTS probe of CaseSearchTerm(caseId, term) per other term), newest first, limit + 1 rows; the
 * page's full rows are read by id after it. The driver is the rarest whole term (each term's rows are
 * counted up to RARE_LIMIT): its rows come newest first from the (term, createdAt, caseId) index, so
 * the statement stops at the page. A common driver is looked at for at most SCAN_BUDGET rows per
 * request (a query whose terms are all common but rarely together, plus a selective filter, would
 * otherwise read every row of the term): the page may then hold fewer items than asked, and
 * `nextCursor` continues after the window. Queries of single CJK characters only (prefix terms, no
 * index order) run the case list with one EXISTS per character: over the rarest character's case ids
 * when it is rare, else over at most SCAN_BUDGET cases of the filtered list.
 */
import type { Prisma, PrismaClient } from '../db/index.ts';

/** Longest term stored (longer words are cut; a query word is cut the same way). */
const MAX_TERM = 40;
/**
 * A term with fewer cases than this needs no scan window; a rare single character names its case ids
 * in an `IN` list, which stays under 999, the bind-parameter limit of Prisma's SQLite driver adapter.
 */
export const RARE_LIMIT = 900;
/** Index rows (or, for single characters, cases) a search looks at per request. */
export const SCAN_BUDGET = 50_000;

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const CJK = new RegExp(`[${CJK_CLASS}]`, 'u');
/** A run of CJK characters, or a run of other letters and digits. */
const TOKENS = new RegExp(`[${CJK_CLASS}]+|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])+`, 'gu');

/** A query term: exact, or any term starting with `term` (a single CJK character). */
export interface QueryTerm {
  term: string;
  prefix: boolean;
}

const normalise = (text: string) => text.normalize('NFKC').toLowerCase();

/** The index terms of a text (distinct). */
export function indexTerms(...texts: (string | null | undefined)[]): string[] {
  const terms = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const [run] of normalise(text).matchAll(TOKENS)) {
      const chars = [...run];
      if (CJK.test(chars[0]!)) {
        for (let i = 0; i + 1 < chars.length; i++) terms.add(chars[i]! + chars[i + 1]!);
        terms.add(chars.at(-1)!);
      } else {
        terms.add(chars.slice(0, MAX_TERM).join(''));
      }
    }
  }
  return [...terms];
}

/** The terms a query must match (empty when it has no letters, digits or CJK characters). */
export function queryTerms(q: string): QueryTerm[] {
  const out = new Map<string, QueryTerm>();
  for (const [run] of normalise(q).matchAll(TOKENS)) {
    const chars = [...run];
    if (CJK.test(chars[0]!)) {
      if (chars.length === 1) out.set(`p:${chars[0]}`, { term: chars[0]!, prefix: true });
      for (let i = 0; i + 1 < chars.length; i++) {
        const term = chars[i]! + chars[i + 1]!;
        out.set(`e:${term}`, { term, prefix: false });
      }
    } else {
      const term = chars.slice(0, MAX_TERM).join('');
      out.set(`e:${term}`, { term, prefix: false });
    }
  }
  return [...out.values()];
}

/** Writes the index rows of a new case (in the transaction that inserts it). */
export async function indexCase(
  tx: Prisma.TransactionClient,
  row: { id: string; createdAt: Date; description: string; address: string | null },
): Promise<void> {
  const terms = indexTerms(row.description, row.address);
  if (terms.length === 0) return;
  await tx.caseSearchTerm.createMany({
    data: terms.map((term) => ({ term, caseId: row.id, createdAt: row.createdAt })),
  });
}

/** Rewrites the index rows of a case whose description or address changed (same transaction). */
export async function reindexCase(
  tx: Prisma.TransactionClient,
  row: { id: string; createdAt: Date; description: string; address: string | null },
): Promise<void> {
  await tx.caseSearchTerm.deleteMany({ where: { caseId: row.id } });
  await indexCase(tx, row);
}

const termWhere = (t: QueryTerm): Prisma.CaseSearchTermWhereInput =>
  t.prefix ? { term: { startsWith: t.term } } : { term: t.term };
/** "The case has this term": an EXISTS probe on CaseSearchTerm(caseId, term) per candidate case. */
const hasTerm = (t: QueryTerm): Prisma.CaseWhereInput => ({ searchTerms: { some: termWhere(t) } });

type Position = { createdAt: Date; id: string };
type CaseRow = Prisma.CaseGetPayload<object>;

export interface SearchPage {
  rows: CaseRow[];
  /** Where the next page starts, or null at the end. */
  next: Position | null;
}

/** The plan's thresholds (tests make them small to exercise the scan budget on a small table). */
export interface SearchTuning {
  rareLimit: number;
  budget: number;
}

const ORDER: Prisma.CaseOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
const TERM_ORDER: Prisma.CaseSearchTermOrderByWithRelationInput[] = [
  { createdAt: 'desc' },
  { caseId: 'desc' },
];
/** Cases after `c` in list order (older, or as old with a smaller id). */
const caseAfter = (c: Position | null): Prisma.CaseWhereInput[] =>
  c ? [{ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] }] : [];
/** Cases at or before `c` in list order: the scan window ends at `c`. */
const caseUpTo = (c: Position | null): Prisma.CaseWhereInput[] =>
  c ? [{ OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gte: c.id } }] }] : [];
const termAfter = (c: Position | null): Prisma.CaseSearchTermWhereInput[] =>
  c ? [{ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, caseId: { lt: c.id } }] }] : [];
const termUpTo = (c: Position | null): Prisma.CaseSearchTermWhereInput[] =>
  c ? [{ OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, caseId: { gte: c.id } }] }] : [];

/**
 * One page of cases matching every term and `where` (filters and scope, without the cursor), newest
 * first, after `cursor`.
 *
 * The matching is one SQL statement: the driving term's index rows, newest first from the cursor, joined
 * to their case (filters, scope) and probed for every other term (EXISTS on CaseSearchTerm(caseId, term)),
 * up to limit + 1. Both planners walk (term, createdAt, caseId) backwards and stop at the page, or start
 * from a selective filter's index when that is cheaper. A common driver is looked at for at most
 * `budget` rows per request: the window's end is found first (the budget-th row after the cursor), and
 * when the window holds no full page its end is `next`. The page's full rows are then read by id.
 */
export async function searchCases(
  prisma: PrismaClient,
  terms: QueryTerm[],
  where: Prisma.CaseWhereInput[],
  cursor: Position | null,
  limit: number,
  tuning: SearchTuning = { rareLimit: RARE_LIMIT, budget: SCAN_BUDGET },
): Promise<SearchPage> {
  const counted = await Promise.all(
    terms.map(async (t) => ({
      t,
      n: await prisma.caseSearchTerm.count({ where: termWhere(t), take: tuning.rareLimit }),
    })),
  );
  counted.sort((a, b) => a.n - b.n || Number(a.t.prefix) - Number(b.t.prefix));
  if (counted.length === 0 || counted[0]!.n === 0) return { rows: [], next: null };
  // A driver with fewer rows than the budget needs no window (n is counted up to rareLimit only).
  const windowed = (n: number) => n >= tuning.rareLimit || n > tuning.budget;

  const page = async (found: Position[], end: Position | null): Promise<SearchPage> => {
    const ids = found.slice(0, limit).map((f) => f.id);
    const rows = ids.length ? await prisma.case.findMany({ where: { id: { in: ids } }, orderBy: ORDER }) : [];
    if (found.length > limit) return { rows, next: pick(found[limit - 1]!) };
    return { rows, next: end };
  };

  // The rarest whole term drives: its rows are in list order in the (term, createdAt, caseId) index.
  const driver = counted.find((c) => !c.t.prefix);
  if (driver) {
    const others = counted.filter((c) => c !== driver).map((c) => c.t);
    const last = windowed(driver.n)
      ? await prisma.caseSearchTerm.findFirst({
          where: { AND: [{ term: driver.t.term }, ...termAfter(cursor)] },
          orderBy: TERM_ORDER,
          skip: tuning.budget - 1,
          select: { caseId: true, createdAt: true },
        })
      : null;
    const end = last && { id: last.caseId, createdAt: last.createdAt };
    const hits = await prisma.caseSearchTerm.findMany({
      where: {
        AND: [{ term: driver.t.term }, ...termAfter(cursor), ...termUpTo(end)],
        case: { AND: [...where, ...others.map(hasTerm)] },
      },
      orderBy: TERM_ORDER,
      take: limit + 1,
      select: { caseId: true, createdAt: true },
    });
    return page(
      hits.map((h) => ({ id: h.caseId, createdAt: h.createdAt })),
      end,
    );
  }

  // Only single CJK characters (prefix terms, which have no index order of their own).
  const rarest = counted[0]!;
  if (!windowed(rarest.n)) {
    // Few enough rows to name their cases (under the SQLite adapter's bind limit): the case list query
    // runs over those ids only.
    const postings = await prisma.caseSearchTerm.findMany({
      where: termWhere(rarest.t),
      select: { caseId: true },
    });
    const found = await prisma.case.findMany({
      where: {
        AND: [
          ...where,
          ...caseAfter(cursor),
          { id: { in: [...new Set(postings.map((p) => p.caseId))] } },
          ...counted.filter((c) => c !== rarest).map((c) => hasTerm(c.t)),
        ],
      },
      orderBy: ORDER,
      take: limit + 1,
      select: { id: true, createdAt: true },
    });
    return page(found, null);
  }
  // Every prefix term is common: walk the filtered case list, at most `budget` cases of it.
  const end = await prisma.case.findFirst({
    where: { AND: [...where, ...caseAfter(cursor)] },
    orderBy: ORDER,
    skip: tuning.budget - 1,
    select: { id: true, createdAt: true },
  });
  const found = await prisma.case.findMany({
    where: { AND: [...where, ...caseAfter(cursor), ...caseUpTo(end), ...counted.map((c) => hasTerm(c.t))] },
    orderBy: ORDER,
    take: limit + 1,
    select: { id: true, createdAt: true },
  });
  return page(found, end && pick(end));
}

const pick = (row: Position): Position => ({ createdAt: row.createdAt, id: row.id });
