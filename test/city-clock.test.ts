// The city clock (src/city-clock.ts): local times in CALENDAR_TIMEZONE with the zone's offset at that
// instant, never a fixed +08:00; a zone the runtime does not know stops the configuration.
import test from 'ava';
import { cityClock } from '../src/city-clock.ts';
import { loadConfig } from '../src/config.ts';

test('Rugao: +08:00, the local date, minute and year', (t) => {
  const clock = cityClock({ CALENDAR_TIMEZONE: 'Asia/Shanghai' });
  const instant = new Date('2026-12-31T16:20:30.900Z');
  t.is(clock.iso(instant), '2027-01-01T00:20:30+08:00');
  t.is(clock.minute(instant), '2027-01-01 00:20');
  t.is(clock.date(instant), '2027-01-01');
  t.is(clock.year(instant), 2027);
  t.is(clock.timeZone, 'Asia/Shanghai');
});

test('another zone: its own offset, on both sides of a daylight-saving change', (t) => {
  const urumqi = cityClock({ CALENDAR_TIMEZONE: 'Asia/Urumqi' });
  t.is(urumqi.iso(new Date('2026-10-09T02:20:00Z')), '2026-10-09T08:20:00+06:00');
  const ny = cityClock({ CALENDAR_TIMEZONE: 'America/New_York' });
  t.is(ny.iso(new Date('2026-03-08T06:59:59Z')), '2026-03-08T01:59:59-05:00');
  t.is(ny.iso(new Date('2026-03-08T07:00:00Z')), '2026-03-08T03:00:00-04:00');
  t.is(ny.minute(new Date('2026-01-01T04:59:00Z')), '2025-12-31 23:59');
});

test('CALENDAR_TIMEZONE must name a zone', (t) => {
  t.is(loadConfig({ CALENDAR_TIMEZONE: 'Asia/Urumqi' }).CALENDAR_TIMEZONE, 'Asia/Urumqi');
  const err = t.throws(() => loadConfig({ CALENDAR_TIMEZONE: 'Asia/Rugao' }));
  t.regex(err!.message, /CALENDAR_TIMEZONE/);
});
