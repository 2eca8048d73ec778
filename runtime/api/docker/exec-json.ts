/** Docker's exec create body → `ExecOptions`; `ExecState` → `GET /exec/{id}/json`. */
import { invalid } from '../../../lib/errors.js';
import type { ExecOptions, ExecState } from '../../containers/types.js';
import { parseDetachKeys } from '../../containers/detach-keys.js';
import type { ExecConfig, ExecInspectResponse } from './types.js';

/** Translate `POST /containers/{id}/exec`. */
export function toExecOptions(body: ExecConfig | undefined): ExecOptions {
  const cmd = typeof body?.Cmd === 'string' ? [body.Cmd] : body?.Cmd ?? [];
  if (cmd.length === 0) throw invalid('No exec command specified');
  return {
    cmd,
    env: body?.Env ?? undefined,
    user: body?.User || undefined,
    workingDir: body?.WorkingDir || undefined,
    tty: body?.Tty ?? false,
    attachStdin: body?.AttachStdin ?? false,
    attachStdout: body?.AttachStdout ?? false,
    attachStderr: body?.AttachStderr ?? false,
    privileged: body?.Privileged ?? false,
    detach: body?.Detach ?? false,
    detachKeys: body?.DetachKeys || body?.detachKeys || undefined,
  };
}

/** `GET /exec/{id}/json`. */
export function execInspectJson(s: ExecState): ExecInspectResponse {
  const [entrypoint = '', ...args] = s.options.cmd;
  return {
    ID: s.id,
    ContainerID: s.containerId,
    Running: s.running,
    ExitCode: s.exitCode,
    Pid: s.pid,
    OpenStdin: s.options.attachStdin ?? false,
    OpenStdout: s.options.attachStdout ?? false,
    OpenStderr: s.options.attachStderr ?? false,
    CanRemove: false,
    // Go's []byte: base64 of the keys' bytes, empty when the exec has none of its own (moby ExecInspectResponse).
    DetachKeys: s.options.detachKeys ? parseDetachKeys(s.options.detachKeys).toString('base64') : '',
    ProcessConfig: {
      tty: s.options.tty ?? false,
      entrypoint,
      arguments: args,
      privileged: s.options.privileged ?? false,
      user: s.options.user ?? '',
    },
  };
}
