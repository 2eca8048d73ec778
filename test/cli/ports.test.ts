import test from 'ava';
import { formatPortSummaries, portKey, portLines } from '../../cli/ports.js';

test('PORTS column like docker ps: published as ip:host->ctr/proto, exposed as ctr/proto, sorted, IPv6 in brackets', (t) => {
  t.is(formatPortSummaries([
    { PrivatePort: 443, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '127.0.0.1', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
  ]), '127.0.0.1:5353->53/udp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/tcp');
  t.is(formatPortSummaries([{ PrivatePort: 80, PublicPort: 32768, Type: 'tcp' }, { PrivatePort: 80, PublicPort: 32768, Type: 'tcp' }]), '0.0.0.0:32768->80/tcp');
  t.is(formatPortSummaries([]), '');
});

const PORTS = {
  '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }],
  '443/tcp': null,
  '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
  '8080/tcp': [{ HostIp: '', HostPort: '8080' }],
};

test('docker port: every published port, sorted by port; exposed-only ports are left out', (t) => {
  t.deepEqual(portLines(PORTS), [
    '53/udp -> 127.0.0.1:5353',
    '80/tcp -> 0.0.0.0:32768',
    '80/tcp -> [::]:32768',
    '8080/tcp -> 0.0.0.0:8080',
  ]);
  t.deepEqual(portLines({}), []);
});

test('docker port PRIVATE_PORT: only the host addresses; tcp unless a protocol is given', (t) => {
  t.deepEqual(portLines(PORTS, '80'), ['0.0.0.0:32768', '[::]:32768']);
  t.deepEqual(portLines(PORTS, '53/udp'), ['127.0.0.1:5353']);
  t.deepEqual(portLines(PORTS, '53'), []);
  t.deepEqual(portLines(PORTS, '443'), []);
  t.is(portKey('080'), '80/tcp');
  for (const bad of ['x', '0', '70000', '80/icmp', '80/']) t.throws(() => portKey(bad), { message: /invalid port/ });
});
