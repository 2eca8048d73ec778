/**
 * A bridge keeps its own MAC while containers come and go. Linux otherwise
 * gives a bridge the lowest MAC among its ports; when that port leaves, the
 * gateway's MAC changes under every other container, whose ARP entry then
 * names a MAC nobody answers: their packets to the host are lost for seconds.
 * (Found as requests through the router hanging while an app was scaled
 * down: the response sat in the container's send queue.)
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import { startTestEngine } from '../../helpers/engine.js';
import { bridgeMac } from '../../../runtime/network/bridge.js';

const macOf = async (dev: string) => (await fsp.readFile(`/sys/class/net/${dev}/address`, 'utf8')).trim();
const assignType = async (dev: string) => (await fsp.readFile(`/sys/class/net/${dev}/addr_assign_type`, 'utf8')).trim();

test('the default and a user network keep their bridge MAC as containers start and go', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const user = await e.createNetwork({ name: 'macs' });
  for (const net of [await e.inspectNetwork('bridge'), user]) {
    const bridge = net.bridge;
    t.is(await assignType(bridge), '3', `${bridge}: the MAC is set, not taken from a port`);
    const mac = await macOf(bridge);
    t.is(mac, bridgeMac(bridge));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await e.createContainer({ image: 'busybox', cmd: ['sleep', '30'], networkMode: net.name });
      await e.startContainer(c.record.id);
      ids.push(c.record.id);
      t.is(await macOf(bridge), mac, 'unchanged as a port joins');
    }
    for (const id of ids) {
      await e.removeContainer(id, { force: true });
      t.is(await macOf(bridge), mac, 'unchanged as a port leaves');
    }
  }
});

test('bridgeMac is a unicast, locally administered address of its own per bridge', (t) => {
  const a = bridgeMac('tsp0');
  t.regex(a, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  const first = parseInt(a.slice(0, 2), 16);
  t.is(first & 1, 0, 'unicast');
  t.is(first & 2, 2, 'locally administered');
  t.not(bridgeMac('tsp1'), a);
  t.is(bridgeMac('tsp0'), a);
});
