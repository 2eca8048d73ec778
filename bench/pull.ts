/**
 * Pull benchmark: a 3-layer image (busybox + 1,500 small text files + one
 * 32 MB text file, gzip in the registry) from a local docker-registry,
 * pulled by our engine (`POST /images/create`, the image removed before each
 * round) versus `skopeo copy docker://… oci:…` + `umoci unpack`. Called by
 * bench/build.ts (`npm run bench:build`) through `benchPull`.
 *
 * What is compared: our pull ends with every blob digest-checked, every
 * layer decompressed and scanned by the safe-extraction rules, and the image
 * committed; the overlay unpack happens at the first container create.
 * skopeo + umoci end with an unpacked rootfs. The notes say so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../lib/exec.js';
import { expect, request } from './api-run.js';
import { timeCommand } from './peers.js';
import { summarize, type Summary } from './stats.js';

const REPO = 'bench/pull';
const STEPS = [
  'mkdir -p /opt/app && for i in $(seq 1 1500); do head -c 3072 /dev/urandom | base64 > /opt/app/f$i; done',
  'head -c 24000000 /dev/urandom | base64 > /opt/blob.txt',
];

/** Time our pull against skopeo + umoci, `iterations` rounds each; medians in the summaries (ms). */
export async function benchPull(opts: { socket: string; dir: string; iterations: number }): Promise<{ ours: Summary; skopeoUmoci: Summary; notes: string[] }> {
  const dir = await fsp.mkdtemp(path.join(opts.dir, 'pull-'));
  const registry = await startRegistry(dir);
  try {
    const target = `${registry.host}/${REPO}:1`;
    await makeImage(opts.socket, dir, target);
    const ours: number[] = [];
    const peers: number[] = [];
    let firstCreate = NaN;
    for (let i = 0; i < opts.iterations; i++) {
      ours.push(await timeOurPull(opts.socket, target));
      // snapshots outlive the image (keyed by chain ID): only the first create unpacks
      if (i === 0) firstCreate = await timeCreate(opts.socket, target);
      peers.push(await timeSkopeoUmoci(dir, target));
    }
    const notes = [
      `image: 3 layers (busybox, 1,500 small files, one 32 MB file), gzip, ${await registrySize(dir)} in the registry (docker-registry on ${registry.host})`,
      'ours: POST /images/create until the last progress line (digests checked, layers decompressed and scanned, image committed; overlay unpack at first create)',
      `ours, first container create after the pull (overlay unpack of the 3 layers, once): ${firstCreate.toFixed(0)} ms`,
      'skopeo+umoci: skopeo copy docker://… oci:… then umoci unpack (rootfs on disk)',
    ];
    return { ours: summarize(ours), skopeoUmoci: summarize(peers), notes };
  } finally {
    await registry.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** busybox + two committed layers, saved by the engine and pushed gzip-compressed by skopeo. */
async function makeImage(socket: string, dir: string, target: string): Promise<void> {
  expect(await request(socket, 'POST', '/images/create?fromImage=busybox&tag=latest'), [200], 'pull busybox');
  let image = 'busybox:latest';
  for (const [i, cmd] of STEPS.entries()) image = await commitStep(socket, image, cmd, `${REPO}-build:${i + 1}`);
  const tar = path.join(dir, 'save.tar');
  await new Promise<void>((resolve, reject) => {
    http.get({ socketPath: socket, path: `/images/get?names=${encodeURIComponent(image)}` }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`image save: HTTP ${res.statusCode}`));
      pipeline(res, createWriteStream(tar)).then(resolve, reject);
    }).on('error', reject);
  });
  const layout = path.join(dir, 'src-layout');
  await fsp.mkdir(layout);
  await run('tar', ['-xf', tar, '-C', layout]);
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${STEPS.length}`, `docker://${target}`]);
  for (let i = 1; i <= STEPS.length; i++) await request(socket, 'DELETE', `/images/${REPO}-build:${i}?force=1`);
}

/** Run `cmd` in a container of `image` and commit it as `tag`. */
async function commitStep(socket: string, image: string, cmd: string, tag: string): Promise<string> {
  const created = expect(await request(socket, 'POST', '/containers/create', {
    Image: image, Cmd: ['sh', '-c', cmd], HostConfig: { NetworkMode: 'none' },
  }), [201], 'create');
  const id = (JSON.parse(created.body.toString()) as { Id: string }).Id;
  try {
    expect(await request(socket, 'POST', `/containers/${id}/start`), [204], 'start');
    const waited = expect(await request(socket, 'POST', `/containers/${id}/wait`), [200], 'wait');
    const code = (JSON.parse(waited.body.toString()) as { StatusCode: number }).StatusCode;
    if (code !== 0) throw new Error(`${cmd}: exit ${code}`);
    const [repo, t] = tag.split(':');
    expect(await request(socket, 'POST', `/commit?container=${id}&repo=${encodeURIComponent(repo)}&tag=${t}`), [201], 'commit');
    return tag;
  } finally {
    await request(socket, 'DELETE', `/containers/${id}?force=1`);
  }
}

/** One pull through the API from a store without the image; fails on an in-band error. */
async function timeOurPull(socket: string, target: string): Promise<number> {
  await request(socket, 'DELETE', `/images/${target}?force=1`);
  const name = target.slice(0, target.lastIndexOf(':'));
  const start = process.hrtime.bigint();
  const res = expect(await request(socket, 'POST', `/images/create?fromImage=${encodeURIComponent(name)}&tag=1`), [200], 'pull');
  const took = Number(process.hrtime.bigint() - start) / 1e6;
  if (/"error"/.test(res.body.toString())) throw new Error(`pull failed: ${res.body.toString().trim().split('\n').at(-1)}`);
  return took;
}

/** `docker create` + `rm` of the image: the first one unpacks its layers into snapshots. */
async function timeCreate(socket: string, image: string): Promise<number> {
  const start = process.hrtime.bigint();
  const created = expect(await request(socket, 'POST', '/containers/create', { Image: image, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } }), [201], 'create');
  const took = Number(process.hrtime.bigint() - start) / 1e6;
  await request(socket, 'DELETE', `/containers/${(JSON.parse(created.body.toString()) as { Id: string }).Id}?force=1`);
  return took;
}

/** skopeo copy to a fresh OCI layout, then umoci unpack to a fresh bundle. */
async function timeSkopeoUmoci(dir: string, target: string): Promise<number> {
  const work = path.join(dir, 'peer');
  await fsp.rm(work, { recursive: true, force: true });
  await fsp.mkdir(work);
  const copy = await timeCommand({ argv: ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', `docker://${target}`, `oci:${work}/layout:1`] });
  const unpack = await timeCommand({ argv: ['umoci', 'unpack', '--image', `${work}/layout:1`, `${work}/bundle`] });
  return copy.ms + unpack.ms;
}

async function registrySize(dir: string): Promise<string> {
  const { stdout } = await run('du', ['-sh', path.join(dir, 'registry')]);
  return stdout.split('\t')[0];
}

/** docker-registry on a free loopback port with its storage under `dir`. */
async function startRegistry(dir: string): Promise<{ host: string; stop(): Promise<void> }> {
  const port = await freePort();
  const config = path.join(dir, 'registry.yml');
  await fsp.writeFile(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'registry')}\n`
    + `  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitUp(port, child);
  return {
    host: `127.0.0.1:${port}`,
    stop: async () => { child.kill('SIGTERM'); await Promise.race([exited, sleep(5000)]); },
  };
}

async function waitUp(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => { res.resume(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error('docker-registry did not start');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
