/**
 * 市民通's per-device token (no account): asked once from POST /api/citizen/devices and kept on the phone;
 * it is sent as X-Device-Token with the reports, the list of this phone's reports and the ratings.
 */
import { api } from '../../../../src/lib/api.ts';

const KEY = 'hub.app.citizenDevice';

/** The token kept on this phone, or null before the first report. */
export const knownDevice = (): string | null => localStorage.getItem(KEY);

/** The token, asked from the hub the first time (needs the network once). */
export async function deviceToken(): Promise<string> {
  const have = knownDevice();
  if (have) return have;
  const { deviceToken } = await api('/api/citizen/devices', { method: 'POST' });
  localStorage.setItem(KEY, deviceToken);
  return deviceToken;
}

export const deviceHeaders = (token: string) => ({ 'x-device-token': token });
