/**
 * `start`: mount the root, write the bundle, launch conmon (which runs
 * `<runtime> create`), connect waiting attachments, then `<runtime> start`.
 * Any failure undoes what was done and records the error on the container.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { notModified, conflict } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { pathsOf, runtimeOf, emitContainerEvent, logPolicyOf } from './context.js';
import { launchMonitor } from './monitor.js';
import { startProcess, deleteProcess } from './oci-runtime.js';
import { specFor } from './bundle.js';
import type { Container, ContainerState } from './types.js';
import type { ContainerPaths } from './paths.js';
import type { SandboxState } from '../network/types.js';
import { attachNetworks, hostsFile, linkInfo, networkKind, type LinkInfo } from './network.js';
import { idmapRootOf, ownEtcFiles, usernsOf } from './userns.js';
import { healthAtStart, watchHealth } from './health.js';
import { releaseShareableShm } from './host-spec.js';

/** Start a created or exited container. Caller holds the container's lock. */
export async function startContainer(ctx: ContainerContext, c: Container): Promise<void> {
  if (c.state.status === 'running' || c.state.status === 'restarting') throw notModified('container already started');
  if (c.state.status === 'paused') throw conflict('cannot start a paused container, try unpause instead');
  const p = pathsOf(ctx, c.record.id);
  await fsp.mkdir(p.persist, { recursive: true });
  await fsp.rm(p.exitFile, { force: true });
  await fsp.rm(p.oomFile, { force: true });
  await ctx.rootfs.acquire(c.record.id, c.record.snapshotParent, p.rootfs, idmapRootOf(c.record, p.rootfs));
  try {
    const sandbox = await attachNetworks(ctx, c);
    const links = linkInfo(ctx, c, sandbox);
    await writeEtcFiles(ctx, c, p, sandbox, links);
    await fsp.writeFile(p.specFile, JSON.stringify(await specFor(ctx, c, p, { netnsPath: sandbox?.netns, env: links.env })));
    const rt = runtimeOf(ctx, c);
    const logs = logPolicyOf(ctx, c);
    if (logs.driver !== 'none') await ctx.logRotation.prepare(p.log, logs.maxFile);
    const { pid } = await launchMonitor({
      containerId: c.record.id, sessionId: c.record.id, name: c.record.name, runtimePath: rt.path, runtimeRoot: rt.root,
      bundle: p.bundle, pidFile: p.pidFile, exitDir: p.exitFile.slice(0, p.exitFile.lastIndexOf('/')), persistDir: p.persist,
      logPath: p.log, logSizeMax: logs.maxSize, logDriver: logs.driver, tty: c.record.config.Tty, stdin: c.record.config.OpenStdin,
      leaveStdinOpen: !c.record.config.StdinOnce,
    });
    if (logs.driver !== 'none') await ctx.logRotation.start(c.record.id, p.log, logs.maxFile);
    await connectAttachments(ctx, c, p.attachSocket);
    // StartedAt is taken before the process may run: every line it logs is stamped at or after it, so a
    // `logs --since <StartedAt>` (Testcontainers' wait after a restart) sees them all.
    const startedAt = new Date().toISOString();
    await startProcess(rt, c.record.id).catch(async (err) => { await deleteProcess(rt, c.record.id); throw err; });
    await ctx.store.saveState(c.record.id, { ...running(c.state, pid, startedAt), health: healthAtStart(c) });
  } catch (err) {
    await ctx.logRotation.stop(c.record.id);
    await ctx.network.detach(c.record.id).catch((detachErr: unknown) => {
      ctx.log.warn({ container: c.record.id, err: detachErr }, 'failed start: the network sandbox could not be removed; the next start or engine start sweeps it');
    });
    await ctx.rootfs.release(c.record.id, p.rootfs);
    await releaseShareableShm(c.record.options, p.run); // issue 16: --ipc shareable
    const exitCode = (err as { exitCode?: number }).exitCode ?? 128;
    await ctx.store.saveState(c.record.id, { ...c.state, status: c.state.status === 'created' ? 'created' : 'exited', exitCode, error: (err as Error).message });
    throw err;
  }
  emitContainerEvent(ctx, c, 'start');
  watchHealth(ctx, c);
}

function running(s: ContainerState, pid: number, startedAt: string): ContainerState {
  return { ...s, status: 'running', pid, exitCode: 0, error: '', oomKilled: false, startedAt, stoppedByUser: false };
}

/** Hand every waiting attachment to the new process. */
async function connectAttachments(ctx: ContainerContext, c: Container, socket: string): Promise<void> {
  const waiting = [...(ctx.attachments.get(c.record.id) ?? [])];
  await Promise.all(waiting.map((a) => a.connect(socket).catch(() => a.finish())));
}

/** /etc/hostname, /etc/hosts, /etc/resolv.conf for the container (bind-mounted by the spec). */
async function writeEtcFiles(ctx: ContainerContext, c: Container, p: ContainerPaths, sandbox: SandboxState | null, links: LinkInfo): Promise<void> {
  const o = c.record.options;
  const kind = networkKind(o);
  const hostname = kind === 'host' || o.utsMode === 'host' ? os.hostname() : c.record.config.Hostname;
  await fsp.writeFile(p.hostname, `${hostname}\n`);
  const hosts = kind === 'host'
    ? await fsp.readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n')
    : hostsFile(hostname, sandbox, links, o.extraHosts ?? []);
  await fsp.writeFile(p.hosts, hosts);
  const networkIds = sandbox?.endpoints.map((e) => e.networkId) ?? [];
  await fsp.writeFile(p.resolvConf, await ctx.network.resolvConf(networkIds, { dns: o.dns, dnsSearch: o.dnsSearch, dnsOptions: o.dnsOptions }));
  await ownEtcFiles([p.hostname, p.hosts, p.resolvConf], usernsOf(o));
}
