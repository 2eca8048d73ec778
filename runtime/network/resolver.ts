/**
 * One DNS responder per bridge network, on its gateway address, and the
 * resolv.conf each container gets. A responder that cannot bind (port 53
 * taken on that address) is not fatal: its containers then get the host's
 * own resolvers instead, as on Docker's default bridge.
 */
import { promises as fsp } from 'node:fs';
import { parseResolvConf, startDnsResponder, type DnsResponder } from './dns.js';
import type { Network } from './types.js';
import type { Logger } from '../types.js';

type Lookup = (net: Network, name: string, from: string) => string[] | undefined;
type Reverse = (net: Network, ip: string) => string | undefined;

export class DnsServers {
  private responders = new Map<string, DnsResponder>();

  constructor(private readonly hostResolvConf: string, private readonly lookup: Lookup, private readonly reverse: Reverse, private readonly log: Logger) {}

  /** Start the responder of a network (idempotent). */
  async start(net: Network): Promise<void> {
    if (this.responders.has(net.id)) return;
    const host = await this.hostConf();
    try {
      const r = await startDnsResponder({
        address: net.gateway, port: 53, upstreams: host.nameservers,
        lookup: (name, from) => this.lookup(net, name, from), reverse: (ip) => this.reverse(net, ip),
      });
      this.responders.set(net.id, r);
    } catch (err) {
      // Port 53 is taken on this address: containers use the host's resolvers directly, without each other's names.
      this.log.warn({ network: net.id, address: net.gateway, err }, 'no DNS responder for the network: its containers cannot resolve each other by name');
    }
  }

  async stop(networkId: string): Promise<void> {
    const r = this.responders.get(networkId);
    this.responders.delete(networkId);
    await r?.close();
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.responders.keys()]) await this.stop(id);
  }

  /** resolv.conf for a container whose first network is `net` (none/host: the host's own servers). */
  async resolvConf(net: Network | undefined, extra: { dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] }): Promise<string> {
    const host = await this.hostConf();
    const responder = net ? this.responders.get(net.id) : undefined;
    const servers = extra.dns?.length ? extra.dns
      : responder ? [responder.address]
        : host.nameservers.filter((s) => !s.startsWith('127.') && s !== '::1');
    const search = extra.dnsSearch?.length ? extra.dnsSearch : host.search;
    const options = extra.dnsOptions?.length ? extra.dnsOptions : host.options;
    const lines = servers.map((s) => `nameserver ${s}`);
    if (search.length > 0) lines.push(`search ${search.join(' ')}`);
    if (options.length > 0) lines.push(`options ${options.join(' ')}`);
    return `${lines.join('\n')}\n`;
  }

  private async hostConf(): Promise<ReturnType<typeof parseResolvConf>> {
    return parseResolvConf(await fsp.readFile(this.hostResolvConf, 'utf8').catch(() => ''));
  }
}
