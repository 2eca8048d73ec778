import './helpers/quota-store.ts';
import { startTestEngine } from './helpers/engine.ts';
const te = await startTestEngine({ storageQuota: { defaultSize: 0 } });
const e = te.engine;
await e.ensureImage('busybox');
const N = 30;
for (const mode of ['base', 'userns', 'size', 'both', 'base']) {
  (globalThis as any).__execStats = new Map();
  const t = { create: 0, start: 0, wait: 0, rm: 0 };
  for (let i = 0; i < N + 3; i++) {
    const w = i >= 3;
    let t0 = performance.now();
    const c = await e.createContainer({ image: 'busybox', cmd: ['true'], networkMode: 'none', ...(mode === 'userns' || mode === 'both' ? { userns: 'auto' } : {}), ...(mode === 'size' || mode === 'both' ? { storageOpt: { size: '1G' } } : {}) } as any);
    if (w) t.create += performance.now() - t0; t0 = performance.now();
    const waited = e.waitContainer(c.record.id, 'next-exit');
    await e.startContainer(c.record.id);
    if (w) t.start += performance.now() - t0; t0 = performance.now();
    await waited;
    if (w) t.wait += performance.now() - t0; t0 = performance.now();
    await e.removeContainer(c.record.id, { force: true });
    if (w) t.rm += performance.now() - t0;
  }
  console.log(mode, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, +(v / N).toFixed(1)])), 'total', +((t.create + t.start + t.wait + t.rm) / N).toFixed(1));
  const m = (globalThis as any).__execStats as Map<string, number[]>;
  console.log('   ', [...m].sort((a, b) => b[1][1] - a[1][1]).slice(0, 9).map(([k, [n, ms]]) => `${k}×${(n / (N + 3)).toFixed(1)}=${(ms / n).toFixed(1)}`).join(' | '));
}
await te.cleanup();
