/**
 * The per-network DNS responder over real sockets on 127.0.0.1. "The
 * outside" is a small DNS server the tests start themselves on 127.0.0.1
 * (the only fake: it stands for the host's resolvers).
 */
import test from 'ava';
import dgram from 'node:dgram';
import net from 'node:net';
import { promises as dnsp } from 'node:dns';
import { once } from 'node:events';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';
import { isKind } from '../../../lib/errors.js';
import { parseResolvConf, startDnsResponder, type DnsResponderOptions } from '../../../runtime/network/dns.js';

const LO = '127.0.0.1';

/** The network: two containers, one with an alias. */
const names: Record<string, string[]> = {
  web: ['10.1.0.2'],
  'web-alias': ['10.1.0.2'],
  db: ['10.1.0.3'],
  '0123456789ab': ['10.1.0.3'],
  many: Array.from({ length: 60 }, (_, i) => `10.1.1.${i}`),
  backend: ['10.1.0.4', '10.1.0.5', '10.1.0.6'],
};
const reverseNames: Record<string, string> = { '10.1.0.2': 'web', '10.1.0.3': 'db' };

/** A responder for the test network on 127.0.0.1, any port; closed after the test. */
async function responder(t: import('ava').ExecutionContext, options: Partial<DnsResponderOptions> = {}) {
  const seen: string[] = [];
  const dns = await startDnsResponder({
    address: LO,
    port: 0,
    upstreams: [],
    lookup: (name) => (seen.push(name), names[name]),
    reverse: (ip) => reverseNames[ip],
    ...options,
  });
  t.teardown(() => dns.close());
  return Object.assign(dns, { seen });
}

interface Seen { transport: 'udp' | 'tcp'; id: number; name: string }
type Reply = (query: DecodedPacket, transport: 'udp' | 'tcp') => Packet | null;

/** A DNS server standing for the outside (UDP + TCP on one port); `reply` null = never answer. */
async function upstream(t: import('ava').ExecutionContext, reply: Reply) {
  const seen: Seen[] = [];
  const answer = (raw: Buffer, transport: 'udp' | 'tcp') => {
    const query = dnsPacket.decode(raw);
    seen.push({ transport, id: query.id!, name: query.questions![0].name });
    const packet = reply(query, transport);
    return packet && dnsPacket.encode({ ...packet, type: 'response', id: query.id, questions: query.questions });
  };
  for (;;) {
    const udp = dgram.createSocket('udp4');
    udp.bind(0, LO);
    await once(udp, 'listening');
    const port = udp.address().port;
    const tcp = net.createServer((socket) => socket.on('data', (chunk) => {
      const out = answer(chunk.subarray(2, 2 + chunk.readUInt16BE(0)), 'tcp');
      if (out) socket.write(dnsPacket.streamEncode(dnsPacket.decode(out)));
    }));
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, LO, () => resolve(true));
    });
    if (!listening) { udp.close(); continue; }
    udp.on('message', (msg, rinfo) => {
      const out = answer(msg, 'udp');
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    t.teardown(() => { udp.close(); tcp.close(); });
    return { address: `${LO}:${port}`, seen };
  }
}

/** An A answer for the question of `query`. */
function aAnswer(query: DecodedPacket, ip: string, flags = dnsPacket.RECURSION_AVAILABLE): Packet {
  return { flags, answers: [{ type: 'A', name: query.questions![0].name, ttl: 30, data: ip }] };
}

/** A raw UDP exchange with the responder; rejects after `ms`. */
async function askUdp(port: number, packet: Packet | Buffer, ms = 5000): Promise<DecodedPacket> {
  const socket = dgram.createSocket('udp4');
  try {
    socket.send(Buffer.isBuffer(packet) ? packet : dnsPacket.encode(packet), port, LO);
    const timer = AbortSignal.timeout(ms);
    const [msg] = await once(socket, 'message', { signal: timer }) as [Buffer];
    return dnsPacket.decode(msg);
  } finally {
    socket.close();
  }
}

/** A raw TCP exchange with the responder (one framed query, one framed reply). */
async function askTcp(port: number, packet: Packet): Promise<DecodedPacket> {
  const socket = net.connect(port, LO);
  socket.write(dnsPacket.streamEncode(packet));
  let data = Buffer.alloc(0);
  for await (const chunk of socket) {
    data = Buffer.concat([data, chunk as Buffer]);
    if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) break;
  }
  socket.destroy();
  return dnsPacket.streamDecode(data) as DecodedPacket;
}

/** The data of each answer of a reply. */
const dataOf = (reply: DecodedPacket) => reply.answers!.map((a) => ('data' in a ? a.data : undefined));

const q = (name: string, type: dnsPacket.RecordType = 'A', id = 4242): Packet => ({
  type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }],
});

const resolverFor = (port: number) => {
  const resolver = new dnsp.Resolver({ timeout: 4000, tries: 1 });
  resolver.setServers([`${LO}:${port}`]);
  return resolver;
};

test('A for our names, aliases and short ids, case-insensitively, authoritative', async (t) => {
  const dns = await responder(t);
  const resolver = resolverFor(dns.port);
  t.deepEqual(await resolver.resolve4('web'), ['10.1.0.2']);
  t.deepEqual(await resolver.resolve4('WEB-Alias'), ['10.1.0.2']);
  t.deepEqual(await resolver.resolve4('0123456789ab.'), ['10.1.0.3']);
  t.true(dns.seen.includes('web-alias') && dns.seen.includes('0123456789ab'), 'lookup gets lower-cased names');
  const reply = await askUdp(dns.port, q('Db'));
  t.like(reply, { id: 4242, rcode: 'NOERROR', flag_aa: true, flag_rd: true, flag_ra: true });
  t.deepEqual(reply.answers!.map((a) => [a.name, a.type, 'ttl' in a && a.ttl, 'data' in a && a.data]), [['Db', 'A', 600, '10.1.0.3']]);
});

test('over TCP too; the TTL is configurable', async (t) => {
  const dns = await responder(t, { ttl: 5 });
  const reply = await askTcp(dns.port, q('web', 'A', 7));
  t.like(reply, { id: 7, rcode: 'NOERROR', flag_aa: true });
  t.deepEqual(reply.answers!.map((a) => ['ttl' in a && a.ttl, 'data' in a && a.data]), [[5, '10.1.0.2']]);
});

test('several addresses for one name come in a fresh order each time, as Docker\'s resolver shuffles them (libnetwork shuffleAddr)', async (t) => {
  const dns = await responder(t);
  const firsts = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const reply = await askUdp(dns.port, q('backend', 'A', i));
    t.deepEqual([...dataOf(reply)].sort(), names.backend, 'every address, each once');
    firsts.add(String(dataOf(reply)[0]));
  }
  // Each of the 3 addresses leads in a third of the replies: missing one in 40 has a chance of about 3 · (2/3)^40 ≈ 3e-7.
  t.deepEqual([...firsts].sort(), names.backend);
});

test('AAAA and other types for our names: NOERROR, no answers, at once', async (t) => {
  const dns = await responder(t, { upstreams: [(await upstream(t, () => null)).address] });
  for (const type of ['AAAA', 'MX', 'TXT'] as const) {
    const reply = await askUdp(dns.port, q('web', type), 1000);
    t.like(reply, { rcode: 'NOERROR', flag_aa: true });
    t.is(reply.answers!.length, 0);
  }
  await t.throwsAsync(resolverFor(dns.port).resolve6('web'), { code: 'ENODATA' });
});

test('an answer too large for UDP is truncated there and whole over TCP', async (t) => {
  const dns = await responder(t);
  const name = 'many';
  const udp = await askUdp(dns.port, q(name));
  t.like(udp, { flag_tc: true, rcode: 'NOERROR' });
  t.is(udp.answers!.length, 0);
  t.is((await askTcp(dns.port, q(name))).answers!.length, 60);
  t.is((await resolverFor(dns.port).resolve4(name)).length, 60, 'the resolver retries over TCP');
});

test('names not ours go to the upstream; the client id is kept', async (t) => {
  const up = await upstream(t, (query) => aAnswer(query, '192.0.2.10'));
  const dns = await responder(t, { upstreams: [up.address] });
  t.deepEqual(await resolverFor(dns.port).resolve4('example.org'), ['192.0.2.10']);
  const reply = await askUdp(dns.port, q('Example.COM', 'A', 0xbeef));
  t.like(reply, { id: 0xbeef, rcode: 'NOERROR', flag_aa: false });
  t.deepEqual(dataOf(reply), ['192.0.2.10']);
  t.deepEqual(up.seen.map((s) => [s.transport, s.name]), [['udp', 'example.org'], ['udp', 'Example.COM']]);
  const tcp = await askTcp(dns.port, q('example.net', 'A', 99));
  t.like(tcp, { id: 99, rcode: 'NOERROR' });
  t.like(up.seen[2], { transport: 'tcp', name: 'example.net' }, 'a TCP client is forwarded over TCP');
});

test('an upstream that never answers gives SERVFAIL after about 2 s', async (t) => {
  const up = await upstream(t, () => null);
  const dns = await responder(t, { upstreams: [up.address] });
  const started = Date.now();
  const reply = await askUdp(dns.port, q('silent.example', 'A', 31));
  const took = Date.now() - started;
  t.like(reply, { id: 31, rcode: 'SERVFAIL' });
  t.true(took >= 1500 && took < 4000, `took ${took} ms`);
  t.like(await askUdp(dns.port, q('web')), { rcode: 'NOERROR' }, 'still answering');
});

test('no upstreams at all: SERVFAIL at once', async (t) => {
  const dns = await responder(t);
  t.like(await askUdp(dns.port, q('example.org'), 1000), { rcode: 'SERVFAIL' });
});

test('a dead or silent first upstream: the second answers', async (t) => {
  const closed = dgram.createSocket('udp4');
  closed.bind(0, LO);
  await once(closed, 'listening');
  const deadPort = closed.address().port;
  closed.close();
  const silent = await upstream(t, () => null);
  const good = await upstream(t, (query) => aAnswer(query, '192.0.2.20'));
  const dns = await responder(t, { upstreams: [`${LO}:${deadPort}`, silent.address, good.address] });
  const reply = await askUdp(dns.port, q('example.org'));
  t.deepEqual(dataOf(reply), ['192.0.2.20']);
  t.is(silent.seen.length, 1);
});

test('a truncated upstream answer is asked again over TCP', async (t) => {
  const up = await upstream(t, (query, transport) => (transport === 'udp'
    ? { flags: dnsPacket.TRUNCATED_RESPONSE, answers: [] }
    : aAnswer(query, '192.0.2.30')));
  const dns = await responder(t, { upstreams: [up.address] });
  const reply = await askUdp(dns.port, q('big.example', 'A', 5));
  t.like(reply, { id: 5, flag_tc: false });
  t.deepEqual(dataOf(reply), ['192.0.2.30']);
  t.deepEqual(up.seen.map((s) => s.transport), ['udp', 'tcp']);
});

test('PTR for our addresses; others are forwarded', async (t) => {
  const up = await upstream(t, (query) => ({
    answers: [{ type: 'PTR', name: query.questions![0].name, ttl: 30, data: 'outside.example' }],
  }));
  const dns = await responder(t, { upstreams: [up.address] });
  const resolver = resolverFor(dns.port);
  t.deepEqual(await resolver.reverse('10.1.0.2'), ['web']);
  t.deepEqual(await resolver.reverse('10.1.0.3'), ['db']);
  t.like(await askUdp(dns.port, q('2.0.1.10.in-addr.arpa', 'PTR')), { flag_aa: true });
  t.deepEqual(await resolver.reverse('10.1.0.99'), ['outside.example']);
  t.deepEqual(up.seen.map((s) => s.name), ['99.0.1.10.in-addr.arpa']);
});

test('malformed packets are dropped and the responder keeps answering', async (t) => {
  const dns = await responder(t);
  const garbage = [Buffer.from('hello'), Buffer.alloc(12, 0xff), Buffer.alloc(0),
    dnsPacket.encode({ ...q('web'), type: 'response' })];
  for (const packet of garbage) {
    await t.throwsAsync(askUdp(dns.port, packet, 300), { name: 'AbortError' });
  }
  const socket = net.connect(dns.port, LO);
  socket.end(Buffer.from([0, 5, 1, 2, 3, 4, 5]));
  await once(socket, 'close');
  t.like(await askUdp(dns.port, q('web')), { rcode: 'NOERROR' });
  t.like(await askTcp(dns.port, q('web')), { rcode: 'NOERROR' });
});

test('a lookup that throws gives SERVFAIL, not a crash', async (t) => {
  const dns = await responder(t, { lookup: () => { throw new Error('boom'); } });
  t.like(await askUdp(dns.port, q('web')), { rcode: 'SERVFAIL' });
});

test('close() frees the port, UDP and TCP', async (t) => {
  const dns = await responder(t);
  const port = dns.port;
  await dns.close();
  await dns.close();
  const again = await responder(t, { port });
  t.is(again.port, port);
  t.like(await askTcp(port, q('web')), { rcode: 'NOERROR' });
});

test('an address that cannot be bound is Unavailable; bad options are Invalid', async (t) => {
  // 192.0.2.1 (TEST-NET-1) is on no interface: bind() fails locally, no packet is sent.
  const nonLocal = await t.throwsAsync(startDnsResponder({ address: '192.0.2.1', port: 0, upstreams: [], lookup: () => undefined }));
  t.true(isKind(nonLocal, 'Unavailable'));
  t.is((nonLocal?.cause as NodeJS.ErrnoException).code, 'EADDRNOTAVAIL');
  const dns = await responder(t);
  const inUse = await t.throwsAsync(startDnsResponder({ address: LO, port: dns.port, upstreams: [], lookup: () => undefined }));
  t.true(isKind(inUse, 'Unavailable'));
  const badUpstream = await t.throwsAsync(startDnsResponder({ address: LO, port: 0, upstreams: ['dns.example'], lookup: () => undefined }));
  t.true(isKind(badUpstream, 'Invalid'));
});

test('parseResolvConf: nameservers, search, options; comments ignored', (t) => {
  const text = [
    '# generated by resolvconf',
    '; another comment',
    'nameserver 127.0.0.53',
    'nameserver 2001:db8::1   # inline comment',
    'nameserver fe80::1%eth0',
    'nameserver not-an-ip',
    '  nameserver\t10.0.0.2',
    '#nameserver 10.9.9.9',
    'domain old.example',
    'search corp.example example.org',
    'options ndots:2 edns0',
    'options timeout:1',
    '',
  ].join('\r\n');
  t.deepEqual(parseResolvConf(text), {
    nameservers: ['127.0.0.53', '2001:db8::1', 'fe80::1%eth0', '10.0.0.2'],
    search: ['corp.example', 'example.org'],
    options: ['ndots:2', 'edns0', 'timeout:1'],
  });
  t.deepEqual(parseResolvConf(''), { nameservers: [], search: [], options: [] });
  t.deepEqual(parseResolvConf('search a.example\ndomain b.example\n').search, ['b.example'], 'the last of search/domain wins');
});

test('upstream addresses: ip:port and [IPv6]:port are accepted (port 53 is never asked here)', async (t) => {
  const up = await upstream(t, (query) => aAnswer(query, '192.0.2.40'));
  const dns = await responder(t, { upstreams: ['[::1]:1', up.address] });
  const reply = await askUdp(dns.port, q('example.org'));
  t.deepEqual(dataOf(reply), ['192.0.2.40']);
});
