/**
 * A bare engine for the benchmark: the engine and its API on a temporary
 * root and socket, nothing of the platform. Started by engine-daemon-client.ts.
 *
 *   node --import=tsx bench/engine-daemon.ts <root> <run-root> <socket>
 */
import { createEngine } from '../runtime/engine.js';
import { serveEngineApi } from '../runtime/api/server.js';

const [root, runRoot, socketPath] = process.argv.slice(2);
if (!socketPath) {
  console.error('usage: engine-daemon.ts <root> <run-root> <socket>');
  process.exit(2);
}
const engine = await createEngine({
  root, runRoot, runtime: 'auto', cgroupParent: '/tspaas-bench', seccompProfile: '',
});
const api = await serveEngineApi(engine, { socketPath, version: 'bench' });
const stop = async () => {
  await api.close();
  await engine.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
