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
 * Query plan, chosen from how many cases each term has (counted up to RARE_LIMIT from the index):
 * - a rare term drives: its case ids (≤ RARE_LIMIT) are narrowed by the other terms' rows, then the
 *   case list query (filters, department scope, cursor, newest first) runs over those ids only;
 * - when every term is common, the newest-first walk over the commonest-but-one term's rows (or over the
 *   case list, for single-character queries) goes in batches, each batch narrowed by the other terms
 *   and the filters, until the page is full. A walk stops after SCAN_BUDGET rows: the page may then
 *   hold fewer items than asked, and `nextCursor` continues the walk (a page is full or the last one
 *   only when nextCursor is null or the page is full).
 */
import type { Prisma, PrismaClient } from '../db/index.ts';

/** Longest term stored (longer words are cut; a query word is cut the same way). */
const MAX_TERM = 40;
/**
 * A term with fewer cases than this drives the query by its ids. Both this and BATCH stay under 999,
 * the bind-parameter limit Prisma's SQLite driver adapter enforces for an `IN` list.
 */
export const RARE_LIMIT = 900;
/** Index rows a walk looks at per batch, and at most per request. */
const BATCH = 900;
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

type Position = { createdAt: Date; id: string };
type CaseRow = Prisma.CaseGetPayload<object>;

export interface SearchPage {
  rows: CaseRow[];
  /** Where the next page starts, or null at the end. */
  next: Position | null;
}

/**
 * One page of cases matching every term and `where` (filters and scope, without the cursor), newest
 * first, after `cursor`.
 */
export async function searchCases(
  prisma: PrismaClient,
  terms: QueryTerm[],
  where: Prisma.CaseWhereInput[],
  cursor: Position | null,
  limit: number,
  /** The plan's thresholds (tests make them small to walk a small table). */
  tuning: { rareLimit: number; batch: number; budget: number } = {
    rareLimit: RARE_LIMIT,
    batch: BATCH,
    budget: SCAN_BUDGET,
  },
): Promise<SearchPage> {
  const order: Prisma.CaseOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
  const after = (c: Position | null): Prisma.CaseWhereInput[] =>
    c ? [{ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] }] : [];

  const counted = await Promise.all(
    terms.map(async (t) => ({
      t,
      n: await prisma.caseSearchTerm.count({ where: termWhere(t), take: tuning.rareLimit }),
    })),
  );
  counted.sort((a, b) => a.n - b.n || Number(a.t.prefix) - Number(b.t.prefix));
  if (counted.length === 0 || counted[0]!.n === 0) return { rows: [], next: null };

  /** The ids among `ids` that have every term in `others`. */
  const narrow = async (ids: string[], others: QueryTerm[]) => {
    let left = ids;
    for (const t of others) {
      if (left.length === 0) break;
      const hits = await prisma.caseSearchTerm.findMany({
        where: { ...termWhere(t), caseId: { in: left } },
        select: { caseId: true },
      });
      const found = new Set(hits.map((h) => h.caseId));
      left = left.filter((id) => found.has(id));
    }
    return left;
  };

  const [driver, ...others] = counted.map((c) => c.t);
  if (counted[0]!.n < tuning.rareLimit) {
    const postings = await prisma.caseSearchTerm.findMany({
      where: termWhere(driver!),
      select: { caseId: true },
    });
    const ids = await narrow([...new Set(postings.map((p) => p.caseId))], others);
    if (ids.length === 0) return { rows: [], next: null };
    const rows = await prisma.case.findMany({
      where: { AND: [...where, ...after(cursor), { id: { in: ids } }] },
      orderBy: order,
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { rows: page, next: rows.length > limit ? pick(page.at(-1)!) : null };
  }

  // Every term is common: walk newest first in batches. The walk follows an exact term's rows when there
  // is one (they are in the order of the list), else the case list itself.
  const walker = counted.find((c) => !c.t.prefix)?.t;
  const rest = walker ? counted.map((c) => c.t).filter((t) => t !== walker) : counted.map((c) => c.t);
  // Only ids while walking; the full rows of the page are read once at the end.
  const found: Position[] = [];
  const finish = async (next: Position | null): Promise<SearchPage> => {
    const page = found.slice(0, limit);
    const rows = page.length
      ? await prisma.case.findMany({ where: { id: { in: page.map((p) => p.id) } }, orderBy: order })
      : [];
    return { rows, next };
  };
  let position = cursor;
  let scanned = 0;
  while (found.length <= limit && scanned < tuning.budget) {
    const batch: Position[] = walker
      ? (
          await prisma.caseSearchTerm.findMany({
            where: {
              term: walker.term,
              ...(position
                ? {
                    OR: [
                      { createdAt: { lt: position.createdAt } },
                      { createdAt: position.createdAt, caseId: { lt: position.id } },
                    ],
                  }
                : {}),
            },
            orderBy: [{ createdAt: 'desc' }, { caseId: 'desc' }],
            take: tuning.batch,
            select: { caseId: true, createdAt: true },
          })
        ).map((p) => ({ id: p.caseId, createdAt: p.createdAt }))
      : await prisma.case.findMany({
          where: { AND: [...where, ...after(position)] },
          orderBy: order,
          take: tuning.batch,
          select: { id: true, createdAt: true },
        });
    if (batch.length === 0) return finish(found.length > limit ? pick(found[limit - 1]!) : null);
    scanned += batch.length;
    position = batch.at(-1)!;
    const ids = await narrow(
      batch.map((b) => b.id),
      rest,
    );
    if (ids.length) {
      // The batch is in list order, so the first matches are the ones the page needs.
      found.push(
        ...(await prisma.case.findMany({
          where: { AND: [...where, { id: { in: ids } }] },
          orderBy: order,
          take: limit + 1 - found.length,
          select: { id: true, createdAt: true },
        })),
      );
    }
    if (found.length > limit) return finish(pick(found[limit - 1]!));
    // The walk reached the end.
    if (batch.length < tuning.batch) return finish(null);
  }
  // Budget spent before the page filled: continue after the last row looked at.
  return finish(position);
}

const pick = (row: Position): Position => ({ createdAt: row.createdAt, id: row.id });
