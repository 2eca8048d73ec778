/**
 * Each build runs in its own sandbox (issue 12, part 3), with real builds and
 * real containers: two apps of two teams build at once through the
 * platform's Builder — one with its Dockerfile (RUN step), one with a
 * buildpack fetched over https (its build container). Each starts listeners,
 * then probes, on ports the other listens on, the other build's container,
 * a running app container on its app network, the host through its build
 * network's gateway and through the host's own address (a listener on
 * 0.0.0.0). Nothing may connect anywhere (no probe open, no listener hit);
 * both reach an "outside" host (a network namespace) through NAT.
 */
import test from 'ava';
import net from 'node:net';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBuilder } from '../../../platform/builds/builder.js';
import { buildNetworkName } from '../../../platform/builds/network.js';
import type { App } from '../../../platform/types.js';
import type { Engine } from '../../../runtime/types.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { startServer } from '../../helpers/netns.js';
import { createHttpsOutside, type HttpsOutside } from '../../helpers/https-outside.js';
import { provideStacks, seedStacks } from '../../helpers/stacks.js';
import { sourceTar } from './sources.js';

let te: TestEngine;
let web: HttpsOutside;
let dir: string;

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
  web = await createHttpsOutside(te.config.network.pool);
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-isolation-'));
});
test.after.always(async () => {
  await web?.remove();
  await te?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const PORTS = [5000, 5001];

/** The RUN step of the Dockerfile app (busybox): listen, fetch targets, probe, report to the outside, wait, tell what connected. */
function dockerfileProbe(out: string): string {
  return [
    `for p in ${PORTS.join(' ')}; do (nc -l -p $p > /tmp/got-$p 2>&1 &); done`,
    `until wget -q -O /tmp/targets http://${out}:8080/targets-alpha.txt 2>/dev/null; do sleep 0.5; done`,
    'r=""; while read ip port; do if echo hi | nc -w 3 $ip $port >/dev/null 2>&1; then r="$r open:$ip:$port"; else r="$r closed:$ip:$port"; fi; done < /tmp/targets',
    `echo "alpha$r" | nc -w 3 ${out} 7001`,
    `until wget -q -O /dev/null http://${out}:8080/finish.txt 2>/dev/null; do sleep 0.5; done`,
    `for p in ${PORTS.join(' ')}; do if [ -s /tmp/got-$p ]; then echo "GOT on $p"; fi; done`,
    'echo probe-finished',
  ].join(' && \\\n ');
}

const LISTENER = `import socket, threading
def serve(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", p)); s.listen(5)
    while True:
        c, a = s.accept(); print("GOT on %d from %s" % (p, a[0]), flush=True); c.close()
for p in (${PORTS.join(', ')}): threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
`;

/** bin/compile of the buildpack app (build stack: bash, curl, python3): the same steps. */
function buildpackProbe(out: string): string {
  return `+x #!/bin/bash
python3 -c '${LISTENER}' > /tmp/got 2>&1 < /dev/null &
listener=$!
until curl -fsS -o /tmp/targets http://${out}:8080/targets-bravo.txt; do sleep 0.5; done
r=""
while read ip port; do if timeout 3 bash -c "echo hi > /dev/tcp/$ip/$port" 2>/dev/null; then r="$r open:$ip:$port"; else r="$r closed:$ip:$port"; fi; done < /tmp/targets
echo "bravo$r" > /dev/tcp/${out}/7002
until curl -fsS -o /dev/null http://${out}:8080/finish.txt; do sleep 0.5; done
cat /tmp/got
kill $listener
echo probe-finished
`;
}

/** The IP of the running container on `network`, once there is one. */
async function ipOn(engine: Engine, network: string): Promise<string> {
  for (let i = 0; i < 1200; i++) {
    for (const c of await engine.listContainers()) {
      const e = c.network?.endpoints.find((x) => x.networkName === network);
      if (e?.ipAddress) return e.ipAddress;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no container came up on ${network}`);
}

function team(name: string): App {
  return { id: randomUUID(), name, teamId: randomUUID(), teamName: `team-of-${name}`, teamUsernsHostId: 1073741824, currentReleaseId: null, createdAt: new Date().toISOString() };
}

test('two builds of two teams at once: neither reaches the other, an app container or the host; both reach the outside through NAT', async (t) => {
  t.timeout(10 * 60_000);
  const builder = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: web.caFile });
  const files = path.join(dir, 'served');
  await mkdir(files);
  const server = await web.outside.serve(8080, files);
  t.teardown(() => server.close());
  const host = net.createServer((s) => { hits++; s.destroy(); });
  let hits = 0;
  await new Promise<void>((r) => host.listen(0, '0.0.0.0', r));
  t.teardown(() => host.close());
  const hostPort = (host.address() as net.AddressInfo).port;
  await te.engine.ensureImage('busybox');
  await te.engine.createNetwork({ name: 'tspaas-shop' });
  const shop = await startServer(te.engine, { networkMode: 'tspaas-shop', cmd: 'httpd -f -p 8000' });
  const shopIp = shop.network!.endpoints[0].ipAddress;

  const out = web.outside.address;
  const bp = await web.addTarball('probe', { 'bin/detect': '+x #!/bin/sh\necho Probe\n', 'bin/compile': buildpackProbe(out) });
  const [alpha, bravo] = [team('alpha'), team('bravo')];
  const reports = [web.outside.listen(7001, 8 * 60_000), web.outside.listen(7002, 8 * 60_000)];
  const builds = ([
    { app: alpha, files: { Dockerfile: `FROM busybox\nRUN ${dockerfileProbe(out)}\n` } },
    { app: bravo, files: { '.buildpacks': `${bp}\n`, Procfile: 'web: true\n' } },
  ] as Array<{ app: App; files: Record<string, string> }>).map(async ({ app, files: src }) => {
    const sourcePath = path.join(dir, `${app.name}.tar`);
    await sourceTar(src, sourcePath);
    const lines: string[] = [];
    await builder.build({ app, buildId: randomUUID(), sourcePath, env: {} }, (l) => lines.push(l));
    return lines;
  });
  const [ipA, ipB] = await Promise.all([ipOn(te.engine, buildNetworkName(alpha)), ipOn(te.engine, buildNetworkName(bravo))]);
  const hostTargets = async (app: App) => {
    const gateway = (await te.engine.inspectNetwork(buildNetworkName(app))).gateway;
    const own = Object.values(os.networkInterfaces()).flat().filter((a) => a?.family === 'IPv4' && !a.internal).map((a) => a!.address);
    return [gateway, ...own].map((ip) => `${ip} ${hostPort}`);
  };
  const targets = (peer: string, hostLines: string[]) => [...PORTS.map((p) => `${peer} ${p}`), `${shopIp} 8000`, ...hostLines].join('\n') + '\n';
  const probes = { alpha: targets(ipB, await hostTargets(alpha)), bravo: targets(ipA, await hostTargets(bravo)) };
  // Written whole, then renamed into place: the probes poll for these files and must never fetch one half-written.
  for (const name of ['alpha', 'bravo'] as const) {
    await writeFile(path.join(files, `.targets-${name}.txt`), probes[name]);
    await rename(path.join(files, `.targets-${name}.txt`), path.join(files, `targets-${name}.txt`));
  }

  const [a, b] = await Promise.all(reports);
  await writeFile(path.join(files, 'finish.txt'), 'go\n');
  const [linesA, linesB] = await Promise.all(builds);
  for (const [name, report] of [['alpha', a], ['bravo', b]] as const) {
    t.true(report.data.startsWith(name), report.data);
    t.false(report.data.includes('open:'), `${name} reached something: ${report.data}`);
    t.is(report.data.trim().split(' ').length, 1 + probes[name].trim().split('\n').length, `${name} probed every target: ${report.data}`);
    t.is(report.from, web.outside.hostAddress, `${name} reached the outside through NAT`);
  }
  for (const lines of [linesA, linesB]) {
    t.true(lines.some((l) => l.trim() === 'probe-finished'), lines.join('\n'));
    t.false(lines.some((l) => /^GOT on \d/.test(l.trim())), lines.join('\n'));
  }
  t.is(hits, 0, 'no build connected to the host');
});
