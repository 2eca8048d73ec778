/**
 * An in-memory `Engine` whose containers are plain host processes, for
 * testing the Engine API's protocol (hijacking, framing, the order of the
 * docker CLI's calls) without root filesystems. It has no isolation, and
 * only what the protocol tests use is implemented; the end-to-end suite
 * (e2e.test.ts) runs the same clients against the real engine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { conflict, notFound, notModified, unavailable } from '../../../lib/errors.js';
import type { Attachment, Engine, EngineEvent, EngineInfo, OnProgress, VolumeInfo } from '../../../runtime/types.js';
import type { Image, ImageStore } from '../../../runtime/images/types.js';
import type { Container, CreateOptions, ExecOptions, ExecState, ListFilters, LogLine, LogOptions } from '../../../runtime/containers/types.js';

const ZERO = '0001-01-01T00:00:00Z';
type Stream = 'stdout' | 'stderr';

/** The stdio of one process: output fans out to attachments, lines go to the log. */
class Stdio {
  readonly log: LogLine[] = [];
  readonly stdin = new PassThrough();
  private readonly outs = new Set<(s: Stream, d: Buffer) => void>();
  private readonly ends = new Set<() => void>();
  private readonly logWaiters = new Set<() => void>();
  ended = false;

  attach(opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean }, replay = false): Attachment {
    let out: ((s: Stream, d: Buffer) => void) | null = null;
    let end: (() => void) | null = null;
    return {
      stdin: opts.stdin ? this.stdin : null,
      onOutput: (cb) => {
        out = (s, d) => { if ((s === 'stdout' && opts.stdout) || (s === 'stderr' && opts.stderr)) cb(s, d); };
        if (replay) for (const l of this.log) out(l.stream, l.data);
        this.outs.add(out);
      },
      onEnd: (cb) => {
        end = cb;
        if (this.ended) queueMicrotask(cb); else this.ends.add(cb);
      },
      detach: () => {
        if (out) this.outs.delete(out);
        if (end) this.ends.delete(end);
      },
    };
  }

  write(stream: Stream, data: Buffer): void {
    this.log.push({ time: new Date().toISOString().replace('Z', '123456Z'), stream, data });
    for (const o of this.outs) o(stream, data);
    for (const w of this.logWaiters) w();
  }

  end(): void {
    this.ended = true;
    for (const e of this.ends) e();
    this.ends.clear();
    for (const w of this.logWaiters) w();
  }

  async *lines(opts: LogOptions): AsyncGenerator<LogLine> {
    let i = opts.tail === undefined ? 0 : Math.max(0, this.log.length - opts.tail);
    for (;;) {
      while (i < this.log.length) {
        const l = this.log[i++]!;
        if ((l.stream === 'stdout' && opts.stdout !== false) || (l.stream === 'stderr' && opts.stderr !== false)) yield l;
      }
      if (!opts.follow || this.ended) return;
      await new Promise<void>((r) => { const w = () => { this.logWaiters.delete(w); r(); }; this.logWaiters.add(w); });
    }
  }

  /** Run `argv` on the host with this stdio. */
  run(argv: string[], env: string[] | undefined, onExit: (code: number) => void): ChildProcess {
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: 'pipe', env: env ? Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2))) : process.env });
    proc.stdout!.on('data', (d: Buffer) => this.write('stdout', d));
    proc.stderr!.on('data', (d: Buffer) => this.write('stderr', d));
    proc.stdin!.on('error', () => {});
    this.stdin.pipe(proc.stdin!);
    proc.on('close', (code, signal) => { this.end(); onExit(code ?? 128 + (signal ? os.constants.signals[signal] : 0)); });
    proc.on('error', () => { this.end(); onExit(127); });
    return proc;
  }
}

interface Box { c: Container; io: Stdio; proc: ChildProcess | null; exitWaiters: ((code: number) => void)[]; removeWaiters: ((code: number) => void)[] }

function fakeImage(tag: string): Image {
  const diff = `sha256:${'1'.repeat(64)}`;
  return {
    id: `sha256:${'b'.repeat(64)}`, repoTags: [tag], manifestDigest: `sha256:${'c'.repeat(64)}`, size: 4096, created: '2024-01-01T00:00:00Z',
    layers: [{ descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diff, size: 4096 }, diffId: diff }],
    config: { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] }, rootfs: { type: 'layers', diff_ids: [diff] }, history: [{ created_by: 'ADD rootfs' }] },
  };
}

class FakeImages implements Partial<ImageStore> {
  readonly byTag = new Map<string, Image>();
  async list(): Promise<Image[]> { return [...new Set(this.byTag.values())]; }
  async get(ref: string): Promise<Image> {
    const tag = ref.includes(':') ? ref : `${ref}:latest`;
    const img = this.byTag.get(tag) ?? [...this.byTag.values()].find((i) => i.id === ref || i.id.startsWith(`sha256:${ref}`));
    if (!img) throw notFound(`No such image: ${ref}`);
    return img;
  }
  async tag(source: string, target: string): Promise<void> {
    const img = await this.get(source);
    img.repoTags.push(target);
    this.byTag.set(target, img);
  }
}

const notInFake = (what: string) => unavailable(`${what} is not implemented in the fake engine`);

export class FakeEngine implements Engine {
  readonly config = { root: '/nonexistent', runRoot: '/nonexistent', runtime: 'auto' as const, cgroupParent: '/', seccompProfile: '' };
  readonly events = new EventEmitter();
  readonly images = new FakeImages() as unknown as ImageStore;
  private readonly boxes = new Map<string, Box>();
  private readonly execs = new Map<string, { state: ExecState; io: Stdio }>();
  private readonly volumes = new Map<string, VolumeInfo>();

  async info(): Promise<EngineInfo> {
    return {
      version: 'test', runtime: 'crun', runtimes: ['crun', 'runc'], cgroupVersion: '2', cgroupDriver: 'cgroupfs', storageDriver: 'overlay', root: '/nonexistent',
      kernelVersion: '6.1.0', operatingSystem: 'Debian GNU/Linux 12 (bookworm)', osType: 'linux', architecture: 'x86_64', ncpu: 2, memTotal: 1 << 30, hostname: 'host',
      containers: { total: this.boxes.size, running: this.list((b) => b.c.state.status === 'running').length, paused: 0, stopped: 0 }, images: 1, securityOptions: ['seccomp', 'name=no-new-privileges'],
    };
  }

  async ensureImage(ref: string, onProgress?: OnProgress): Promise<Image> {
    const tag = ref.includes(':') ? ref : `${ref}:latest`;
    if (tag !== 'busybox:latest') return this.images.get(ref);
    onProgress?.({ id: 'rootfs', status: 'Building', current: 1, total: 2 });
    onProgress?.({ id: 'rootfs', status: 'Done' });
    const img = fakeImage(tag);
    (this.images as unknown as FakeImages).byTag.set(tag, img);
    this.emit('image', 'pull', img.id, { name: tag });
    return img;
  }

  async createContainer(o: CreateOptions): Promise<Container> {
    const img = await this.images.get(o.image);
    if (o.name && this.list((b) => b.c.record.name === o.name).length) throw conflict(`Conflict. The container name "/${o.name}" is already in use`);
    const id = randomBytes(32).toString('hex');
    const config = {
      ...img.config.config, Hostname: o.hostname ?? id.slice(0, 12), Tty: !!o.tty, OpenStdin: !!o.openStdin, StdinOnce: !!o.stdinOnce, Image: o.image,
      ...(o.cmd ? { Cmd: o.cmd } : {}), ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}), Env: [...(img.config.config.Env ?? []), ...(o.env ?? [])],
    };
    const c: Container = {
      record: { id, name: o.name ?? `fake_${id.slice(0, 6)}`, created: new Date().toISOString(), imageId: img.id, imageRef: o.image, snapshotParent: null, config, options: o, runtime: 'crun' },
      state: { status: 'created', pid: 0, monitorPid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: ZERO, finishedAt: ZERO, restartCount: 0, stoppedByUser: false, mounted: false },
    };
    this.boxes.set(id, { c, io: new Stdio(), proc: null, exitWaiters: [], removeWaiters: [] });
    this.emit('container', 'create', id, { name: c.record.name, image: o.image });
    return c;
  }

  async startContainer(ref: string): Promise<void> {
    const b = this.box(ref);
    if (b.c.state.status === 'running') throw notModified('container already started');
    this.freshStdio(b);
    const argv = [...(b.c.record.config.Entrypoint ?? []), ...(b.c.record.config.Cmd ?? [])];
    b.proc = b.io.run(argv, b.c.record.config.Env, (code) => this.exited(b, code));
    if (!b.c.record.config.OpenStdin) b.io.stdin.end();
    b.c.state = { ...b.c.state, status: 'running', pid: b.proc.pid ?? 0, startedAt: new Date().toISOString(), exitCode: 0 };
    this.emit('container', 'start', b.c.record.id, { name: b.c.record.name, image: b.c.record.imageRef });
  }

  private exited(b: Box, code: number): void {
    b.c.state = { ...b.c.state, status: 'exited', pid: 0, exitCode: code, finishedAt: new Date().toISOString() };
    b.proc = null;
    this.emit('container', 'die', b.c.record.id, { name: b.c.record.name, exitCode: String(code) });
    for (const w of b.exitWaiters.splice(0)) w(code);
    if (b.c.record.options.autoRemove) void this.removeContainer(b.c.record.id);
  }

  async stopContainer(ref: string, timeout = 10): Promise<void> {
    const b = this.box(ref);
    if (!b.proc) throw notModified('container already stopped');
    const exited = new Promise<number>((r) => b.exitWaiters.push(r));
    b.proc.kill('SIGTERM');
    const timer = setTimeout(() => b.proc?.kill('SIGKILL'), timeout * 1000);
    await exited;
    clearTimeout(timer);
  }

  async killContainer(ref: string, signal = 'SIGKILL'): Promise<void> {
    const b = this.box(ref);
    if (!b.proc) throw conflict(`Container ${b.c.record.id} is not running`);
    b.proc.kill((signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals);
  }

  async restartContainer(ref: string, timeout?: number): Promise<void> {
    await this.stopContainer(ref, timeout).catch(() => {});
    await this.startContainer(ref);
  }

  async removeContainer(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    const b = this.box(ref);
    if (b.proc && !opts.force) throw conflict(`You cannot remove a running container ${b.c.record.id}. Stop the container before attempting removal or force remove`);
    if (b.proc) await this.stopContainer(ref, 0);
    this.boxes.delete(b.c.record.id);
    this.emit('container', 'destroy', b.c.record.id, { name: b.c.record.name });
    for (const w of b.removeWaiters.splice(0)) w(b.c.state.exitCode);
  }

  async waitContainer(ref: string, condition: 'not-running' | 'next-exit' | 'removed' = 'not-running'): Promise<{ exitCode: number }> {
    const b = this.box(ref);
    if (condition === 'not-running' && !b.proc) return { exitCode: b.c.state.exitCode };
    const list = condition === 'removed' ? b.removeWaiters : b.exitWaiters;
    return { exitCode: await new Promise<number>((r) => list.push(r)) };
  }

  async pauseContainer(ref: string): Promise<void> { this.signalState(ref, 'SIGSTOP', 'paused'); }
  async unpauseContainer(ref: string): Promise<void> { this.signalState(ref, 'SIGCONT', 'running'); }

  private signalState(ref: string, sig: NodeJS.Signals, status: 'paused' | 'running'): void {
    const b = this.box(ref);
    if (!b.proc) throw conflict(`Container ${b.c.record.id} is not running`);
    b.proc.kill(sig);
    b.c.state = { ...b.c.state, status };
  }

  async renameContainer(ref: string, newName: string): Promise<void> { this.box(ref).c.record.name = newName; }
  async getContainer(ref: string): Promise<Container> { return structuredClone(this.box(ref).c); }

  async listContainers(f: ListFilters = {}): Promise<Container[]> {
    return this.list((b) => (f.all || b.proc !== null) && (!f.name || f.name.includes(b.c.record.name)) && (!f.status || f.status.includes(b.c.state.status)))
      .map((b) => structuredClone(b.c));
  }

  async attachContainer(ref: string, opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean; logs?: boolean }): Promise<Attachment> {
    const b = this.box(ref);
    this.freshStdio(b);
    return b.io.attach({ ...opts, stdin: opts.stdin && b.c.record.config.OpenStdin }, opts.logs);
  }

  async resizeContainer(ref: string): Promise<void> { this.box(ref); }
  containerLogs(ref: string, opts: LogOptions): AsyncIterable<LogLine> { return this.box(ref).io.lines(opts); }

  async topContainer(ref: string): Promise<{ titles: string[]; processes: string[][] }> {
    const b = this.box(ref);
    return { titles: ['PID', 'CMD'], processes: b.proc ? [[String(b.proc.pid), (b.c.record.config.Cmd ?? []).join(' ')]] : [] };
  }

  async statsContainer(ref: string) {
    this.box(ref);
    const t = Date.now();
    return { read: new Date(t).toISOString(), cpuTotalNs: t * 1000, systemCpuNs: t * 100_000, onlineCpus: 2, memoryUsage: 1 << 20, memoryLimit: 1 << 30, pids: 1, pidsLimit: 0 };
  }

  async createExec(ref: string, options: ExecOptions): Promise<string> {
    const b = this.box(ref);
    if (!b.proc) throw conflict(`Container ${b.c.record.id} is not running`);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, { state: { id, containerId: b.c.record.id, options, running: false, exitCode: null, pid: 0 }, io: new Stdio() });
    return id;
  }

  async startExec(execId: string, opts: { detach?: boolean }): Promise<Attachment | null> {
    const e = this.execs.get(execId);
    if (!e) throw notFound(`No such exec instance: ${execId}`);
    const o = e.state.options;
    const att = opts.detach ? null : e.io.attach({ stdin: o.attachStdin, stdout: o.attachStdout, stderr: o.attachStderr });
    const proc = e.io.run(o.cmd, o.env, (code) => { e.state.running = false; e.state.exitCode = code; });
    if (!o.attachStdin || opts.detach) e.io.stdin.end();
    e.state.running = true;
    e.state.pid = proc.pid ?? 0;
    return att;
  }

  async resizeExec(): Promise<void> {}
  async inspectExec(execId: string): Promise<ExecState> {
    const e = this.execs.get(execId);
    if (!e) throw notFound(`No such exec instance: ${execId}`);
    return structuredClone(e.state);
  }

  async listVolumes(): Promise<VolumeInfo[]> { return [...this.volumes.values()]; }
  async createVolume(name: string | undefined, labels: Record<string, string> = {}): Promise<VolumeInfo> {
    const v: VolumeInfo = { name: name ?? randomBytes(32).toString('hex'), driver: 'local', mountpoint: `/vol/${name}`, createdAt: new Date().toISOString(), labels };
    this.volumes.set(v.name, v);
    return v;
  }
  async inspectVolume(name: string): Promise<VolumeInfo> {
    const v = this.volumes.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }
  async removeVolume(name: string): Promise<void> { await this.inspectVolume(name); this.volumes.delete(name); }
  async pruneVolumes() { const deleted = [...this.volumes.keys()]; this.volumes.clear(); return { deleted, spaceReclaimed: 0 }; }

  async removeImage(): Promise<never> { throw notInFake('removeImage'); }
  async pruneImages(): Promise<never> { throw notInFake('pruneImages'); }
  async pruneContainers() {
    const gone = this.list((b) => !b.proc).map((b) => b.c.record.id);
    for (const id of gone) await this.removeContainer(id);
    return { deleted: gone, spaceReclaimed: 0 };
  }
  async diffContainer(): Promise<never> { throw notInFake('diff'); }
  async exportContainer(): Promise<Readable> { throw notInFake('export'); }
  async commitContainer(): Promise<never> { throw notInFake('commit'); }
  async getArchive(): Promise<never> { throw notInFake('archive'); }
  async statPath(): Promise<never> { throw notInFake('archive'); }
  async putArchive(): Promise<never> { throw notInFake('archive'); }

  /** Kill every process that is still running. */
  async close(): Promise<void> {
    for (const b of this.boxes.values()) b.proc?.kill('SIGKILL');
  }

  /** A stopped container gets new stdio (keeping its log) for its next run. */
  private freshStdio(b: Box): void {
    if (b.proc || !b.io.ended) return;
    const old = b.io;
    b.io = new Stdio();
    b.io.log.push(...old.log);
  }

  private box(ref: string): Box {
    const b = this.boxes.get(ref) ?? this.list((x) => x.c.record.name === ref || x.c.record.id.startsWith(ref))[0];
    if (!b) throw notFound(`No such container: ${ref}`);
    return b;
  }

  private list(pred: (b: Box) => boolean): Box[] {
    return [...this.boxes.values()].filter(pred);
  }

  private emit(type: EngineEvent['type'], action: string, id: string, attributes: Record<string, string>): void {
    const now = Date.now();
    this.events.emit('event', { type, action, id, attributes, time: Math.floor(now / 1000), timeNano: now * 1e6 } satisfies EngineEvent);
  }
}
