import { PassThrough } from 'node:stream';
import test from 'ava';
import { createCommandLogger } from '../src/log.ts';

/** A stream that collects what the logger writes, posing as a terminal or not. */
function sink(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

test('auto: a terminal gets readable lines with level, time and message; secrets stay redacted', async (t) => {
  const out = sink(true);
  const logger = await createCommandLogger('info', 'auto', out.stream);
  logger.info({ component: 'api', password: 'hunter2-secret' }, 'hub ready');
  const line = out.text();
  t.regex(line, /\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\]/);
  t.regex(line, /INFO/);
  t.regex(line, /hub ready/);
  t.regex(line, /\[redacted\]/);
  t.false(line.includes('hunter2-secret'));
  t.throws(() => JSON.parse(line.trim()));
});

test('auto: a pipe or file gets one JSON object per line', async (t) => {
  const out = sink(false);
  const logger = await createCommandLogger('info', 'auto', out.stream);
  logger.info({ component: 'api' }, 'hub ready');
  logger.debug('not at info');
  const lines = out.text().trim().split('\n');
  t.is(lines.length, 1);
  const entry = JSON.parse(lines[0]!) as { level: number; msg: string; component: string };
  t.like(entry, { level: 30, msg: 'hub ready', component: 'api' });
});

test('json and pretty override what the output is', async (t) => {
  const tty = sink(true);
  (await createCommandLogger('info', 'json', tty.stream)).info('as json');
  t.is((JSON.parse(tty.text().trim()) as { msg: string }).msg, 'as json');

  const pipe = sink(false);
  (await createCommandLogger('info', 'pretty', pipe.stream)).warn('as text');
  t.regex(pipe.text(), /WARN.*as text/);
  t.false(pipe.text().includes('\u001b['), 'no colour codes when the output is not a terminal');
});
