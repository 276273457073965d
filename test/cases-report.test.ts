// Reporting with photos (multipart), attachments, case numbers, full-text search and duplicates over the
// real hub: embedded engine, job workers, demo data, real HTTP. Serial: the "nothing stored" checks look
// at the whole attachment folder.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hub } from '../src/hub.ts';
import { insertCase } from '../src/cases/create.ts';
import { indexTerms, queryTerms, searchCases } from '../src/cases/search.ts';
import { call, startTestApi, type Reply } from './helpers/api.ts';
import { startDemoHub, type DemoHub, TEST_DEMO_PASSWORD } from './helpers/demo-hub.ts';
import type { ZeebeClient } from '../src/zeebe.ts';

const PASSWORD = TEST_DEMO_PASSWORD;
const MAX_BYTES = 64 * 1024;
const MAX_FILES = 3;

let hub: Hub;
let url = '';
let dataDir = '';
const tokens: Record<string, string> = {};
let point = { lng: 0, lat: 0, gridCode: '' };
let categoryCode = '';
let otherCategory = '';
let demo: DemoHub | undefined;

test.before(async () => {
  demo = await startDemoHub(PASSWORD, {
    ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
    ATTACHMENT_MAX_FILES: String(MAX_FILES),
    ATTACHMENT_TYPES: 'image/jpeg,image/png,image/webp,image/heic',
  });
  ({ hub, url, dataDir } = demo);
  for (const username of ['acceptor', 'dispatcher', 'department_handler', 'field_supervisor'])
    tokens[username] = await demo.login(username);
  const cell = await hub.db.prisma.gridCell.findFirstOrThrow({
    where: { active: true },
    orderBy: { code: 'asc' },
  });
  point = { lng: (cell.minLng + cell.maxLng) / 2, lat: (cell.minLat + cell.maxLat) / 2, gridCode: cell.code };
  const categories = await hub.db.prisma.category.findMany({
    where: { kind: 'event', active: true },
    orderBy: { code: 'asc' },
    take: 2,
  });
  categoryCode = categories[0]!.code;
  otherCategory = categories[1]!.code;
});

test.after.always(() => demo?.close());

const attachmentDir = () => join(dataDir, 'attachments');
/** Every stored file (not the temporary folder). */
async function storedFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await readdir(attachmentDir()).catch(() => [] as string[])) {
    if (sub === 'tmp') continue;
    out.push(...(await readdir(join(attachmentDir(), sub))).map((f) => `${sub}/${f}`));
  }
  return out.sort();
}
const tempFiles = async () => readdir(join(attachmentDir(), 'tmp')).catch(() => [] as string[]);

const jpeg = (size = 3000) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), randomBytes(size)]);
const png = (size = 2000) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size)]);
const webp = (size = 1000) =>
  Buffer.concat([Buffer.from('RIFF'), Buffer.from([0, 0, 0, 0]), Buffer.from('WEBPVP8 '), randomBytes(size)]);

interface Part {
  name: string;
  value: string | { bytes: Buffer; fileName: string; type: string };
}

/** A multipart report through fetch's own FormData encoding. */
async function postForm(
  parts: Part[],
  options: { key?: string; as?: string; base?: string; token?: string } = {},
) {
  const form = new FormData();
  for (const p of parts) {
    if (typeof p.value === 'string') form.append(p.name, p.value);
    else form.append(p.name, new Blob([p.value.bytes], { type: p.value.type }), p.value.fileName);
  }
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token ?? tokens[options.as ?? 'field_supervisor']}`,
  };
  if (options.key) headers['idempotency-key'] = options.key;
  const res = await fetch(`${options.base ?? url}/api/cases`, { method: 'POST', headers, body: form });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null } as Reply;
}

const fields = (extra: Record<string, string> = {}): Part[] =>
  Object.entries({
    source: 'supervisor',
    categoryCode,
    description: '人行道井盖缺失，行人易绊倒',
    // No coordinates: the cell is unknown at intake, so these reports are never merged as duplicates.
    address: '如城街道海阳路 120 号',
    reporterName: '李四',
    ...extra,
  }).map(([name, value]) => ({ name, value }));

async function waitFor(fetchIt: () => Promise<Reply>, done: (r: Reply) => boolean, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const reply = await fetchIt();
    if (done(reply) || Date.now() > until) return reply;
    await sleep(100);
  }
}

test.serial(
  'multipart report with photos: rows on the reported event, files by sha256, downloads equal the bytes',
  async (t) => {
    const photos = [
      { bytes: jpeg(), fileName: '井盖.jpg', type: 'image/jpeg' },
      // declared wrongly by the client: stored as what the bytes are
      { bytes: png(), fileName: 'scene.png', type: 'application/octet-stream' },
    ];
    const res = await postForm(
      [...fields({ lng: '', urgency: 'urgent' }), ...photos.map((value) => ({ name: 'photos', value }))],
      { key: 'mp-1' },
    );
    t.is(res.status, 201, JSON.stringify(res.body));
    t.regex(res.body.caseNo, /^RG-\d{4}-\d{6}$/);
    t.is(res.body.urgency, 'urgent');
    t.is(res.body.description, '人行道井盖缺失，行人易绊倒');
    t.is(res.body.attachments.length, 2);

    const rows = await hub.db.prisma.attachment.findMany({
      where: { caseId: res.body.id },
      orderBy: { fileName: 'asc' },
    });
    const reported = await hub.db.prisma.caseEvent.findFirstOrThrow({
      where: { caseId: res.body.id, type: 'reported' },
    });
    const supervisor = await hub.db.prisma.user.findUniqueOrThrow({
      where: { username: 'field_supervisor' },
    });
    t.deepEqual(
      rows.map((r) => [r.fileName, r.kind, r.contentType, r.size, r.eventId, r.uploadedBy]),
      [
        ['scene.png', 'report', 'image/png', photos[1]!.bytes.length, reported.id, supervisor.id],
        ['井盖.jpg', 'report', 'image/jpeg', photos[0]!.bytes.length, reported.id, supervisor.id],
      ],
    );
    const { createHash } = await import('node:crypto');
    for (const row of rows) {
      const original = photos.find((p) => p.fileName === row.fileName)!.bytes;
      t.is(row.sha256, createHash('sha256').update(original).digest('hex'));
      t.is(row.storagePath, `${row.sha256.slice(0, 2)}/${row.sha256}`);
      // The department handler of another department does not see the case; the dispatcher does.
      const denied = await fetch(`${url}/api/cases/${res.body.id}/attachments/${row.id}`, {
        headers: { authorization: `Bearer ${tokens.department_handler}` },
      });
      t.is(denied.status, 404);
      const got = await fetch(`${url}/api/cases/${res.body.id}/attachments/${row.id}`, {
        headers: { authorization: `Bearer ${tokens.dispatcher}` },
      });
      t.is(got.status, 200);
      t.is(got.headers.get('content-type'), row.contentType);
      t.is(got.headers.get('etag'), `"${row.sha256}"`);
      t.true(Buffer.from(await got.arrayBuffer()).equals(original));
    }
    t.deepEqual(await storedFiles(), rows.map((r) => r.storagePath).sort());
    t.deepEqual(await tempFiles(), []);
    const detail = await call(url, 'GET', `/api/cases/${res.body.id}`, { token: tokens.acceptor });
    t.deepEqual(detail.body.attachments.map((a: { fileName: string; url: string }) => a.fileName).sort(), [
      'scene.png',
      '井盖.jpg',
    ]);
    const list = await call(url, 'GET', `/api/cases/${res.body.id}/attachments`, { token: tokens.acceptor });
    t.is(list.body.items.length, 2);

    // A retry with the same key: the same case, its photos stored once, nothing left in tmp.
    const again = await postForm(
      [...fields({ urgency: 'urgent' }), ...photos.map((value) => ({ name: 'photos', value }))],
      { key: 'mp-1' },
    );
    t.is(again.status, 200);
    t.is(again.body.id, res.body.id);
    t.is(await hub.db.prisma.attachment.count({ where: { caseId: res.body.id } }), 2);
    t.is(await hub.db.prisma.case.count({ where: { idempotencyKey: { endsWith: ':mp-1' } } }), 1);
    t.is((await storedFiles()).length, 2);
    t.deepEqual(await tempFiles(), []);
  },
);

test.serial('concurrent multipart retries with one key: one case, one set of attachments', async (t) => {
  const photo = { bytes: webp(), fileName: 'a.webp', type: 'image/webp' };
  const send = () => postForm([...fields(), { name: 'photos', value: photo }], { key: 'mp-concurrent' });
  const both = await Promise.all([send(), send(), send()]);
  t.deepEqual(both.map((r) => r.status).sort(), [200, 200, 201]);
  t.is(new Set(both.map((r) => r.body.id)).size, 1);
  t.is(await hub.db.prisma.case.count({ where: { idempotencyKey: { endsWith: ':mp-concurrent' } } }), 1);
  const rows = await hub.db.prisma.attachment.findMany({ where: { caseId: both[0]!.body.id } });
  t.deepEqual(
    rows.map((r) => r.contentType),
    ['image/webp'],
  );
  t.deepEqual(await tempFiles(), []);
});

test.serial(
  'bad uploads: too big, too many, not an image, a fake image, a file in another field — a problem naming the file, nothing stored',
  async (t) => {
    const before = await storedFiles();
    const cases = await hub.db.prisma.case.count();
    const attachments = await hub.db.prisma.attachment.count();
    const mark = fields({ description: 'bad-upload' });

    const big = await postForm([
      ...mark,
      { name: 'photos', value: { bytes: jpeg(MAX_BYTES), fileName: 'big.jpg', type: 'image/jpeg' } },
    ]);
    t.is(big.status, 413);
    t.is(big.headers.get('content-type'), 'application/problem+json');
    t.is(big.body.detail, `file "big.jpg" exceeds ${MAX_BYTES} bytes`);
    t.is(big.body.fileName, 'big.jpg');

    const many = await postForm([
      ...mark,
      ...[1, 2, 3, 4].map((i) => ({
        name: 'photos',
        value: { bytes: jpeg(100), fileName: `${i}.jpg`, type: 'image/jpeg' },
      })),
    ]);
    t.is(many.status, 413);
    t.is(many.body.detail, `more than ${MAX_FILES} files in one request`);

    const text = await postForm([
      ...mark,
      { name: 'photos', value: { bytes: jpeg(100), fileName: 'ok.jpg', type: 'image/jpeg' } },
      {
        name: 'photos',
        value: { bytes: Buffer.from('just some notes'), fileName: 'notes.txt', type: 'text/plain' },
      },
    ]);
    t.is(text.status, 415);
    t.regex(text.body.detail, /^file "notes\.txt" is not image\/jpeg, image\/png, image\/webp, image\/heic/);
    t.is(text.body.fileName, 'notes.txt');

    const fake = await postForm([
      ...mark,
      {
        name: 'photos',
        value: {
          bytes: Buffer.from('<?php system($_GET["c"]); ?>'),
          fileName: 'photo.jpg',
          type: 'image/jpeg',
        },
      },
    ]);
    t.is(fake.status, 415);
    t.is(
      fake.body.detail,
      'file "photo.jpg" is not image/jpeg, image/png, image/webp, image/heic (judged by its content); declared image/jpeg',
    );

    const pdf = await postForm([
      ...mark,
      {
        name: 'photos',
        value: {
          bytes: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'),
          fileName: 'scan.pdf',
          type: 'application/pdf',
        },
      },
    ]);
    t.is(pdf.status, 415, 'PDF is known but not accepted by ATTACHMENT_TYPES here');
    t.is(pdf.body.detail, 'file "scan.pdf" is application/pdf; declared application/pdf');

    const elsewhere = await postForm([
      ...mark,
      { name: 'evidence', value: { bytes: jpeg(100), fileName: 'e.jpg', type: 'image/jpeg' } },
    ]);
    t.is(elsewhere.status, 400);
    t.deepEqual(elsewhere.body.errors, [
      { field: 'body.evidence', message: 'no files expected in this field' },
    ]);

    // A bad field with good photos: 400 naming the field, the photos not kept.
    const badField = await postForm([
      ...fields({ description: 'bad-upload', urgency: 'very', lat: 'north' }),
      { name: 'photos', value: { bytes: jpeg(100), fileName: 'fine.jpg', type: 'image/jpeg' } },
    ]);
    t.is(badField.status, 400);
    t.deepEqual(badField.body.errors.map((e: { field: string }) => e.field).sort(), [
      'body.lat',
      'body.urgency',
    ]);

    t.is(await hub.db.prisma.case.count(), cases);
    t.is(await hub.db.prisma.attachment.count(), attachments);
    t.deepEqual(await storedFiles(), before);
    t.deepEqual(await tempFiles(), []);
  },
);

test.serial(
  'the engine refusing a multipart report: no case, no attachment row; the placed files belong to nothing and the sweep removes them',
  async (t) => {
    const refusing = {
      createProcessInstance: async () => {
        throw new Error('14 UNAVAILABLE: connection refused');
      },
    } as unknown as ZeebeClient;
    const dir = await mkdtemp(join(tmpdir(), 'hub-refused-'));
    const api = await startTestApi({ zeebe: refusing, env: { DATA_DIR: dir }, demoPassword: PASSWORD });
    t.teardown(async () => {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    });
    const login = await call(api.base, 'POST', '/api/auth/login', {
      body: { username: 'acceptor', password: PASSWORD },
    });
    const category = await api.db.prisma.category.findFirstOrThrow({
      where: { kind: 'event', active: true },
    });
    const res = await postForm(
      [
        ...fields({ source: 'hotline', categoryCode: category.code }),
        { name: 'photos', value: { bytes: jpeg(), fileName: 'x.jpg', type: 'image/jpeg' } },
      ],
      { base: api.base, token: login.body.token, key: 'refused' },
    );
    t.is(res.status, 503);
    t.is(await api.db.prisma.case.count(), 0);
    t.is(await api.db.prisma.attachment.count(), 0);
    t.is(await api.db.prisma.caseSearchTerm.count(), 0);
    t.is(
      await api.api.attachments.sweep(60_000),
      0,
      'a fresh file is left alone (a request may be attaching it)',
    );
    t.is(await api.api.attachments.sweep(-1), 1);
    t.deepEqual(
      await readdir(join(dir, 'attachments'))
        .then((subs) => subs.filter((s) => s !== 'tmp' && s.length === 2))
        .then(async (subs) =>
          (await Promise.all(subs.map((s) => readdir(join(dir, 'attachments', s))))).flat(),
        ),
      [],
    );
  },
);

test.serial(
  'case numbers: <prefix>-<year>-<6 digits>, unique and consecutive under concurrent reports',
  async (t) => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(url, 'POST', '/api/cases', {
          token: tokens.acceptor,
          body: { source: 'hotline', categoryCode, description: `并发上报 ${i}`, address: '如城街道' },
        }),
      ),
    );
    t.deepEqual(
      replies.map((r) => r.status),
      Array(12).fill(201),
    );
    const numbers = replies.map((r) => r.body.caseNo as string);
    t.is(new Set(numbers).size, 12);
    const year = new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
      new Date(),
    );
    for (const n of numbers) t.regex(n, new RegExp(`^RG-${year}-\\d{6}$`));
    const seqs = numbers.map((n) => Number(n.slice(-6))).sort((a, b) => a - b);
    t.deepEqual(
      seqs,
      Array.from({ length: 12 }, (_, i) => seqs[0]! + i),
    );
    const counter = await hub.db.prisma.counter.findUniqueOrThrow({ where: { name: `caseNo:RG:${year}` } });
    t.is(counter.value, await hub.db.prisma.case.count({ where: { caseNo: { startsWith: `RG-${year}-` } } }));
    // The list and the detail show it; q with a whole case number finds that case.
    const found = await call(url, 'GET', `/api/cases?q=${numbers[3]}`, { token: tokens.dispatcher });
    t.deepEqual(
      found.body.items.map((c: { caseNo: string }) => c.caseNo),
      [numbers[3]],
    );
  },
);

test('tokenising: CJK bigrams and the last character of a run, lowercase words and numbers', (t) => {
  t.deepEqual(indexTerms('人行道井盖缺失', 'Haiyang Rd. 120号'), [
    '人行',
    '行道',
    '道井',
    '井盖',
    '盖缺',
    '缺失',
    '失',
    'haiyang',
    'rd',
    '120',
    '号',
  ]);
  t.deepEqual(queryTerms('井盖 ＲＤ'), [
    { term: '井盖', prefix: false },
    { term: 'rd', prefix: false },
  ]);
  t.deepEqual(queryTerms('树'), [{ term: '树', prefix: true }]);
  t.deepEqual(queryTerms(' ，。!'), []);
});

test.serial(
  'search: Chinese and latin hits and misses, with filters, department scope and cursor pages',
  async (t) => {
    const { prisma } = hub.db;
    const d06 = await prisma.department.findUniqueOrThrow({ where: { code: 'D06' } });
    const fixtures = [
      ['S1', '2021-05-01T01:00:00Z', '人行道井盖缺失', '海阳路 120 号', 'hotline', null],
      ['S2', '2021-05-02T01:00:00Z', '井盖破损 noise', '益寿路', 'supervisor', d06.id],
      ['S3', '2021-05-03T01:00:00Z', '道路积水', '海阳路 8 号 Block B', 'hotline', d06.id],
      ['S4', '2021-05-04T01:00:00Z', '绿化带树木倒伏', '如城街道 Noise Wall', 'video', null],
      ['S5', '2021-05-05T01:00:00Z', '井盖缺失，车辆颠簸', '海阳路口', 'hotline', null],
      ['S6', '2021-05-06T01:00:00Z', '垃圾满溢', '东陈镇', 'supervisor', null],
    ] as const;
    for (const [tag, at, description, address, source, departmentId] of fixtures) {
      await prisma.$transaction(async (tx) => {
        const row = await insertCase(
          tx,
          {
            source,
            categoryKind: 'event',
            categoryCode,
            urgency: 'normal',
            description: `${tag} ${description}`,
            address,
          },
          { userId: null, displayName: 'test' },
          new Date(at),
          { prefix: 'RG', timeZone: 'Asia/Shanghai' },
        );
        if (departmentId) await tx.case.update({ where: { id: row.id }, data: { departmentId } });
      });
    }
    const window = 'from=2021-01-01T00:00:00Z&to=2022-01-01T00:00:00Z';
    const search = async (q: string, extra = '', as = 'dispatcher') => {
      const range = extra.includes('&to=') ? 'from=2021-01-01T00:00:00Z' : window;
      const res = await call(url, 'GET', `/api/cases?${range}&q=${encodeURIComponent(q)}${extra}`, {
        token: tokens[as],
      });
      t.is(res.status, 200, `${q} ${extra}`);
      return res.body as { items: { description: string }[]; nextCursor: string | null };
    };
    const tags = async (q: string, extra = '', as?: string) =>
      (await search(q, extra, as)).items.map((c) => c.description.slice(0, 2));

    t.deepEqual(await tags('井盖'), ['S5', 'S2', 'S1']);
    t.deepEqual(await tags('井盖缺失'), ['S5', 'S1']);
    t.deepEqual(await tags('人行道井盖'), ['S1']);
    t.deepEqual(await tags('井盖 海阳路'), ['S5', 'S1']);
    t.deepEqual(await tags('海阳路'), ['S5', 'S3', 'S1']);
    t.deepEqual(await tags('树'), ['S4'], 'one character matches inside a run');
    t.deepEqual(await tags('倒伏'), ['S4']);
    t.deepEqual(await tags('伏'), ['S4'], 'the last character of a run');
    t.deepEqual(await tags('NOISE'), ['S4', 'S2'], 'latin words, any case');
    t.deepEqual(await tags('block b'), ['S3']);
    t.deepEqual(await tags('120'), ['S1']);
    t.deepEqual(await tags('井盖 noise'), ['S2']);
    // misses
    t.deepEqual(await tags('盖井'), []);
    t.deepEqual(await tags('井盖 东陈'), []);
    t.deepEqual(await tags('nois'), [], 'words match whole');
    t.deepEqual(await tags('路灯'), []);
    // with filters
    t.deepEqual(await tags('井盖', '&source=hotline'), ['S5', 'S1']);
    t.deepEqual(await tags('海阳路', `&departmentId=${d06.id}`), ['S3']);
    t.deepEqual(await tags('井盖', '&to=2021-05-03T00:00:00Z'), ['S2', 'S1']);
    // department scope: D06's handler sees only D06's matches
    t.deepEqual(await tags('井盖', '', 'department_handler'), ['S2']);
    // cursor pages of one
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { description: string }[]; nextCursor: string | null } = await search(
        '井盖',
        `&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((c) => c.description.slice(0, 2)));
      cursor = page.nextCursor;
    } while (cursor);
    t.deepEqual(seen, ['S5', 'S2', 'S1']);
    const none = await call(url, 'GET', `/api/cases?q=${encodeURIComponent('，。')}`, {
      token: tokens.dispatcher,
    });
    t.is(none.status, 400);
    t.deepEqual(none.body.errors, [
      { field: 'query.q', message: 'no letters, digits or Chinese characters' },
    ]);
  },
);

test.serial(
  'search plans: walking common terms in small batches, with a tiny scan budget, pages the same cases as the id plan',
  async (t) => {
    // The fixtures of the previous test (2021); the walk is forced with thresholds of a few rows.
    const where = [
      { reportedAt: { gte: new Date('2021-01-01T00:00:00Z'), lt: new Date('2022-01-01T00:00:00Z') } },
    ];
    const all = async (
      q: string,
      tuning?: { rareLimit: number; batch: number; budget: number },
      limit = 2,
    ) => {
      const tags: string[] = [];
      let cursor: { createdAt: Date; id: string } | null = null;
      let pages = 0;
      do {
        const page = await searchCases(hub.db.prisma, queryTerms(q), where, cursor, limit, tuning);
        tags.push(...page.rows.map((r) => r.description.slice(0, 2)));
        cursor = page.next;
        pages++;
      } while (cursor && pages < 50);
      return { tags, pages };
    };
    const walk = { rareLimit: 1, batch: 2, budget: 1000 };
    const tight = { rareLimit: 1, batch: 1, budget: 1 };
    for (const q of ['井盖', '井盖 海阳路', '海阳路', '树', 'noise', '井盖 东陈', '路']) {
      const byIds = await all(q);
      t.deepEqual((await all(q, walk)).tags, byIds.tags, `walk: ${q}`);
      const budget = await all(q, tight);
      t.deepEqual(budget.tags, byIds.tags, `budget: ${q}`);
    }
    t.deepEqual((await all('井盖')).tags, ['S5', 'S2', 'S1']);
    // With a budget of one row, a page may be empty while the walk goes on.
    t.true((await all('井盖 海阳路', tight, 5)).pages > 2);
  },
);

test.serial(
  'duplicates: a report in the cell, category and window of an open case is merged into it at intake',
  async (t) => {
    const send = (description: string) =>
      call(url, 'POST', '/api/cases', {
        token: tokens.field_supervisor,
        body: {
          source: 'supervisor',
          categoryCode: otherCategory,
          description,
          lng: point.lng,
          lat: point.lat,
        },
      });
    const first = await send('店外经营 第一次上报');
    t.is(first.status, 201);
    t.is(first.body.gridCode, point.gridCode, 'the cell is known at report time');
    const second = await send('店外经营 重复上报');
    t.is(second.status, 201);
    const merged = await waitFor(
      () => call(url, 'GET', `/api/cases/${second.body.id}`, { token: tokens.acceptor }),
      (r) => r.body.status === 'voided',
    );
    t.is(merged.body.status, 'voided');
    const row = await hub.db.prisma.case.findUniqueOrThrow({ where: { id: second.body.id } });
    t.is(row.mergedIntoId, first.body.id);
    t.is(row.voidReason, `重复上报，合并到 ${first.body.caseNo}`);
    t.deepEqual(
      merged.body.timeline.map((e: { type: string }) => e.type),
      ['reported', 'merged'],
    );
    const original = await waitFor(
      () => call(url, 'GET', `/api/cases/${first.body.id}`, { token: tokens.acceptor }),
      (r) => r.body.status === 'accepted',
    );
    t.is(original.body.status, 'accepted');
    // Another category at the same point is not a duplicate.
    const other = await call(url, 'POST', '/api/cases', {
      token: tokens.field_supervisor,
      body: { source: 'supervisor', categoryCode, description: '另一类问题', lng: point.lng, lat: point.lat },
    });
    const notMerged = await waitFor(
      () => call(url, 'GET', `/api/cases/${other.body.id}`, { token: tokens.acceptor }),
      (r) => r.body.status !== 'reported',
    );
    t.is(notMerged.body.status, 'accepted');
  },
);
