/** <input type="datetime-local"> values are wall-clock times in the city (Asia/Shanghai, UTC+8 all year). */
export const CITY_OFFSET = '+08:00';

/** '2026-11-26T17:30' (city time) → '2026-11-26T17:30:00+08:00'. */
export const cityInputToIso = (value: string) => `${value}:00${CITY_OFFSET}`;

/** An instant → the datetime-local value in city time. */
export function isoToCityInput(iso: string | Date): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3_600_000);
  return d.toISOString().slice(0, 16);
}
