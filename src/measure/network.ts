/**
 * Whether this process can reach any network beyond loopback, from its own network
 * namespace's view in procfs (/proc/net/* is per namespace; /sys/class/net is not).
 */
import { readFile } from 'node:fs/promises';

export interface NetworkState {
  offline: boolean;
  /** Interfaces other than loopback that are present in this namespace. */
  interfaces: string[];
  /** Whether an IPv4 or IPv6 default route exists. */
  defaultRoute: boolean;
  method: string;
}

export const OFFLINE_METHOD =
  'procfs of this process\'s network namespace: offline when no IPv4 route (/proc/net/route) and no IPv6 route (/proc/net/ipv6_route) ' +
  'uses an interface other than lo. Under `unshare -n` only lo exists; a machine with a LAN route but no internet counts as online.';

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Interface names of /proc/net/dev other than lo. */
export function parseInterfaces(netDev: string): string[] {
  return netDev
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '' && name !== 'lo');
}

/** Interfaces used by any route, and whether one is a default route. */
export function parseRoutes(route: string, ipv6Route: string): { interfaces: Set<string>; defaultRoute: boolean } {
  const interfaces = new Set<string>();
  let defaultRoute = false;
  for (const line of route.split('\n').slice(1)) {
    const [iface, destination] = line.trim().split(/\s+/);
    if (!iface || iface === 'lo') continue;
    interfaces.add(iface);
    if (destination === '00000000') defaultRoute = true;
  }
  for (const line of ipv6Route.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const iface = fields[9];
    if (!iface || iface === 'lo') continue;
    interfaces.add(iface);
    if (fields[0] === '00000000000000000000000000000000' && fields[1] === '00') defaultRoute = true;
  }
  return { interfaces, defaultRoute };
}

/** Record the answer in `Results.environment.extra.network`. */
export async function detectOffline(): Promise<NetworkState> {
  const [netDev, route, ipv6Route] = await Promise.all([readOptional('/proc/net/dev'), readOptional('/proc/net/route'), readOptional('/proc/net/ipv6_route')]);
  const routes = parseRoutes(route, ipv6Route);
  return {
    offline: routes.interfaces.size === 0,
    interfaces: parseInterfaces(netDev),
    defaultRoute: routes.defaultRoute,
    method: OFFLINE_METHOD,
  };
}
