/**
 * The engine's Dockerfile build events as the lines `docker build` prints
 * (the classic builder's text), for build logs and `remote:` lines.
 */
import type { BuildEvent } from '../../runtime/build/types.js';

/** An event handler that turns build events into whole lines for `onLine`. */
export function renderBuildEvent(onLine: (line: string) => void): (e: BuildEvent) => void {
  let partial = '';
  const flush = () => {
    if (partial !== '') onLine(partial);
    partial = '';
  };
  return (e) => {
    if (e.kind === 'output') {
      const lines = (partial + e.data.toString('utf8')).split(/\r?\n|\r(?!$)/); // \r too: progress redraws are lines (lines.ts)
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      return;
    }
    flush();
    const line = eventLine(e);
    if (line !== null) onLine(line);
  };
}

function eventLine(e: Exclude<BuildEvent, { kind: 'output' }>): string | null {
  switch (e.kind) {
    case 'step': return `Step ${e.step}/${e.total} : ${e.instruction}`;
    case 'cached': return ' ---> Using cache';
    case 'container': return ` ---> Running in ${short(e.id)}`;
    case 'removed': return `Removing intermediate container ${short(e.id)}`;
    case 'image': return ` ---> ${short(e.id)}`;
    case 'progress': return `       ${e.progress.status}`;
    case 'built': return `Successfully built ${short(e.id)}`;
    case 'tagged': return `Successfully tagged ${e.tag}`;
  }
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
