/**
 * The city's clock: every rendering of a local time on the server (procedure variables, mails, reports,
 * Open311 answers, case numbers) goes through here, in CALENDAR_TIMEZONE, so a city in another zone
 * changes one setting and no code. The offset is the zone's at that instant (Intl, no fixed +08:00), so
 * a zone with daylight saving renders right on both sides of its change. Working-time arithmetic is the
 * calendar's (src/calendar/zone.ts); this module only names instants.
 */
import type { Config } from './config.ts';

export interface CityClock {
  /** The IANA zone (CALENDAR_TIMEZONE), e.g. for the browser to render times in the same zone. */
  readonly timeZone: string;
  /** ISO 8601 with the city's offset, to the second: 2026-10-09T10:20:00+08:00 (procedures, Open311, mails). */
  iso(instant: Date): string;
  /** As people read it on paper: 2026-10-01 00:00. */
  minute(instant: Date): string;
  /** The local calendar date: 2026-10-01. */
  date(instant: Date): string;
  /** The local calendar year (case numbers restart with it). */
  year(instant: Date): number;
}

interface Local {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const clocks = new Map<string, CityClock>();

/** The clock of the configured city (CALENDAR_TIMEZONE); one per zone, built once (an Intl formatter costs ms). */
export function cityClock(config: Pick<Config, 'CALENDAR_TIMEZONE'>): CityClock {
  const timeZone = config.CALENDAR_TIMEZONE;
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = createClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** Whether `timeZone` is an IANA zone this runtime knows (the config check). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function createClock(timeZone: string): CityClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const local = (ms: number): Local =>
    Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value])) as unknown as Local;
  return {
    timeZone,
    iso(instant) {
      // Whole seconds: timers need no more, and people read these in mails.
      const seconds = Math.floor(instant.getTime() / 1000) * 1000;
      const l = local(seconds);
      const asUtc = Date.UTC(+l.year, +l.month - 1, +l.day, +l.hour, +l.minute, +l.second);
      const offsetMin = Math.round((asUtc - seconds) / 60_000);
      const abs = Math.abs(offsetMin);
      const pad = (n: number) => String(n).padStart(2, '0');
      const offset = `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
      return `${l.year}-${l.month}-${l.day}T${l.hour}:${l.minute}:${l.second}${offset}`;
    },
    minute(instant) {
      const l = local(instant.getTime());
      return `${l.year}-${l.month}-${l.day} ${l.hour}:${l.minute}`;
    },
    date(instant) {
      const l = local(instant.getTime());
      return `${l.year}-${l.month}-${l.day}`;
    },
    year: (instant) => Number(local(instant.getTime()).year),
  };
}
