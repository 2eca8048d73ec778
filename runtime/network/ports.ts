/**
 * Host ports of published container ports. A port is free when no other
 * container of this engine has it and the host can bind it now (so a DNAT
 * rule never hides a service already listening there); `-p 80` (host port
 * 0) gets a free port the kernel picks.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import { conflict } from '../../lib/errors.js';
import type { PortBinding } from './types.js';

const key = (p: PortBinding) => `${p.protocol}/${p.hostPort}`;

/** Resolve host port 0 to free ports and check the others; throws Conflict naming the taken one. */
export async function assignHostPorts(wanted: PortBinding[], taken: Iterable<PortBinding>): Promise<PortBinding[]> {
  const used = new Set([...taken].map(key));
  const out: PortBinding[] = [];
  for (const p of wanted) {
    const hostPort = p.hostPort === 0 ? await freePort(p, used) : p.hostPort;
    const bound = { ...p, hostPort };
    if (p.hostPort !== 0 && (used.has(key(bound)) || !(await canBind(bound)))) {
      throw conflict(`Bind for ${p.hostIp || '0.0.0.0'}:${p.hostPort} failed: port is already allocated`);
    }
    used.add(key(bound));
    out.push(bound);
  }
  return out;
}

async function freePort(p: PortBinding, used: Set<string>): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await bindAndRelease(p.protocol, p.hostIp, 0);
    if (port && !used.has(`${p.protocol}/${port}`)) return port;
  }
  throw conflict(`no free host port for ${p.containerPort}/${p.protocol}`);
}

async function canBind(p: PortBinding): Promise<boolean> {
  return (await bindAndRelease(p.protocol, p.hostIp, p.hostPort)) !== null;
}

/** Bind `host:port` (0 = any), return the bound port and release it; null when it cannot be bound. */
function bindAndRelease(protocol: 'tcp' | 'udp', host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => { s.close(); resolve(null); });
      s.bind(port, host || '0.0.0.0', () => { const got = s.address().port; s.close(() => resolve(got)); });
      return;
    }
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: host || '0.0.0.0', exclusive: true }, () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}
