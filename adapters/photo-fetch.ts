/**
 * Fetching a photo a legacy system names by URL (a video alarm's snapshot, a bin photo, a crew's disposal
 * photo). The URL comes from outside the hub, so the fetch is an SSRF and, through the errors it leaves on
 * dead letters, a port scanner — unless it is fenced:
 * - the host must be one the hub may fetch from (ADAPTER_FETCH_ALLOWED_HOSTS, by default the hosts of the
 *   configured legacy systems), and every address it resolves to must be public unless
 *   ADAPTER_FETCH_ALLOW_PRIVATE; the check runs in the socket's own lookup, so a name that resolves to a
 *   public address for the check and to 127.0.0.1 for the connection (DNS rebinding) cannot slip through;
 * - no redirects; the declared content type must be an accepted attachment type;
 * - the body is streamed and the request aborted once it passes the size limit, so a 400 MB answer
 *   costs no more memory than the limit; the whole request has a deadline;
 * - errors say what was wrong with the answer, never what the network looked like: a refused host, a
 *   private address, a closed port, a reset and a timeout are each one fixed sentence.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { PermanentDeliveryError } from './framework/types.ts';

export interface PhotoFetchPolicy {
  /** `host` or `host:port` entries, `*.example.org` for a domain's subdomains; read at each fetch. */
  allowedHosts: () => readonly string[];
  /** Allow loopback, private, link-local and other non-public addresses (the simulators on 127.0.0.1). */
  allowPrivate: boolean;
  maxBytes: number;
  /** Content types accepted, as the attachment store's (image/jpeg, …). */
  types: readonly string[];
  timeoutMs: number;
}

export const REFUSED_HOST =
  'photo URL refused: its host is not one the hub may fetch from (ADAPTER_FETCH_ALLOWED_HOSTS, ADAPTER_FETCH_ALLOW_PRIVATE)';
export const UNREACHABLE = 'photo server did not answer';

// Not reachable on the public internet: "this" network, private ranges, CGNAT, loopback, link-local,
// IETF protocol assignments, benchmarking, multicast and reserved; IPv6 loopback, unspecified, ULA,
// link-local, multicast, and the documentation/translation prefixes.
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Whether an address is one a photo may not come from without ADAPTER_FETCH_ALLOW_PRIVATE. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return NON_PUBLIC.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether `host` (lowercase, no brackets) and `port` match an allowed-hosts entry. */
export function hostAllowed(entries: readonly string[], host: string, port: string): boolean {
  return entries.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (!entry) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) return false;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    if (m[2] && m[2] !== port) return false;
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
  });
}

/** The host[:port] of a URL, for the default allowed hosts (the configured systems' addresses). */
export const hostOf = (url: string | undefined) => {
  if (!url) return [];
  try {
    return [new URL(url).host];
  } catch {
    return [];
  }
};

class Refused extends Error {}

/** Fetches a photo under the policy; the bytes and the declared content type. */
export async function fetchPhoto(
  url: string,
  policy: PhotoFetchPolicy,
): Promise<{ bytes: Buffer; contentType: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PermanentDeliveryError('photo URL is not a URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new PermanentDeliveryError('photo URL is not http(s)');
  if (target.username || target.password) throw new PermanentDeliveryError(REFUSED_HOST);
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  if (!hostAllowed(policy.allowedHosts(), host, port)) throw new PermanentDeliveryError(REFUSED_HOST);
  if (isIP(host) && !policy.allowPrivate && isNonPublicAddress(host))
    throw new PermanentDeliveryError(REFUSED_HOST);

  // The connection's own name resolution, checked: the address connected to is the address checked.
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      if (!policy.allowPrivate && addresses.some((a) => isNonPublicAddress(a.address)))
        return callback(new Refused(REFUSED_HOST), '', 0);
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(target, { method: 'GET', lookup, headers: { accept: policy.types.join(', ') } });
    const timer = setTimeout(() => fail(new Error(UNREACHABLE)), policy.timeoutMs);
    req.on('error', (err) =>
      fail(err instanceof Refused ? new PermanentDeliveryError(REFUSED_HOST) : new Error(UNREACHABLE)),
    );
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status === 404 || status === 410)
        return fail(new PermanentDeliveryError(`photo server answered ${status}`));
      if (status >= 300 && status < 400)
        return fail(
          new PermanentDeliveryError(`photo server answered ${status}; redirects are not followed`),
        );
      if (status < 200 || status >= 300) return fail(new Error(`photo server answered ${status}`));
      const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!policy.types.includes(contentType))
        return fail(
          new PermanentDeliveryError(`photo is not an accepted image (declared ${contentType || 'no type'})`),
        );
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > policy.maxBytes)
        return fail(new PermanentDeliveryError(`photo is larger than ${policy.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > policy.maxBytes)
          return fail(new PermanentDeliveryError(`photo is larger than ${policy.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('error', () => fail(new Error(UNREACHABLE)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ bytes: Buffer.concat(chunks), contentType });
      });
    });
    req.end();
  });
}
