/**
 * The DNS responders' name table: names, short IDs and aliases per network,
 * and `--link` aliases on a user network, answered to the linking container
 * only and resolved at the time of the question.
 */
import test from 'ava';
import { NameTable } from '../../../runtime/network/names.js';
import type { AttachmentRecord, SandboxRecord } from '../../../runtime/network/sandbox.js';

const NET = 'n'.repeat(64);

function sandbox(id: string, name: string, ip: string, extra: Partial<AttachmentRecord> = {}): SandboxRecord {
  const attachment: AttachmentRecord = {
    networkId: NET, networkName: 'app', ifname: 'eth0', list: { name: NET, plugins: [] }, runtimeConfig: {}, aliases: [],
    result: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/ns' }], ips: [{ address: `${ip}/24`, interface: 0 }] },
    ...extra,
  };
  return { containerId: id.padEnd(64, '0'), name, netns: '/ns', attachments: [attachment], ports: [] };
}

test('a link alias answers the linking container only, with the target\'s address once it runs', (t) => {
  const names = new NameTable();
  const me = sandbox('aaaa', 'me', '10.0.0.2', { links: [{ container: 'Upstream', alias: 'bar' }], aliases: ['web'] });
  const other = sandbox('bbbb', 'other', '10.0.0.3');
  names.rebuild([NET], [me, other]);
  t.is(names.lookup(NET, 'bar', '10.0.0.2'), undefined, 'the target is not running yet');
  t.deepEqual(names.lookup(NET, 'web', '10.0.0.3'), ['10.0.0.2']);
  names.rebuild([NET], [me, other, sandbox('cccc', 'upstream', '10.0.0.4')]);
  t.deepEqual(names.lookup(NET, 'bar', '10.0.0.2'), ['10.0.0.4']);
  t.is(names.lookup(NET, 'bar', '10.0.0.3'), undefined, 'not for another container');
  t.is(names.lookup(NET, 'bar', undefined), undefined);
  t.deepEqual(names.lookup(NET, 'upstream', '10.0.0.3'), ['10.0.0.4']);
  names.drop(NET);
  t.is(names.lookup(NET, 'bar', '10.0.0.2'), undefined);
});
