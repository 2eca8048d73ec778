/**
 * Density: 250 containers running at once on the default network, each
 * with its own namespace, veth and address, all of them reachable.
 */
import test from 'ava';
import { startTestEngine } from '../../helpers/engine.js';
import { run } from '../../../lib/exec.js';

const N = 250;

test(`${N} running containers on the default network, each reachable at its own address`, async (t) => {
  t.timeout(10 * 60_000);
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const ids: string[] = [];
  const WORKERS = 4;
  await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
    for (let i = w; i < N; i += WORKERS) {
      // Each answers its own index on port 9000, forever.
      const c = await e.createContainer({ image: 'busybox', cmd: ['sh', '-c', `while true; do echo ${i} | nc -l -p 9000; done`] });
      await e.startContainer(c.record.id);
      ids[i] = c.record.id;
    }
  }));
  const running = await e.listContainers({});
  t.is(running.length, N);
  const ips = running.map((c) => c.network!.endpoints[0].ipAddress);
  t.is(new Set(ips).size, N, 'every container has its own address');
  const bridge = await e.inspectNetwork('bridge');
  t.is(bridge.containers.length, N);
  const ports = JSON.parse((await run('ip', ['-j', 'link', 'show', 'master', te.config.network.bridge])).stdout) as unknown[];
  t.is(ports.length, N, 'one veth per container on the bridge');
  // The host reaches every one of them (in parallel, a few at a time).
  const answers: string[] = [];
  for (let i = 0; i < N; i += 25) {
    const batch = ids.slice(i, i + 25).map(async (id, j) => {
      const c = await e.getContainer(id);
      const ip = c.network!.endpoints[0].ipAddress;
      answers[i + j] = (await ask(ip, 9000)).trim();
    });
    await Promise.all(batch);
  }
  t.deepEqual(answers, ids.map((_, i) => String(i)));
});

/** Read what a TCP server at ip:port sends before closing. */
async function ask(ip: string, port: number): Promise<string> {
  const net = await import('node:net');
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: ip, port, timeout: 5000 });
        let data = '';
        s.on('data', (d) => { data += d.toString(); });
        s.on('end', () => resolve(data));
        s.on('timeout', () => s.destroy(new Error('timeout')));
        s.on('error', reject);
      });
    } catch (err) {
      // The shell loop restarts nc between connections; a refused connect in that gap is retried.
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
