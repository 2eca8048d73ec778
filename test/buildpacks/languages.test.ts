/** The python and go buildpacks: a Python http.server app and a Go net/http app build and serve. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';

let te: TestEngine;
const dirs: string[] = [];

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
});
test.after.always(async () => {
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

async function build(files: Record<string, string>, tag: string) {
  const source = await writeApp(files);
  dirs.push(source);
  const lines: string[] = [];
  const result = await buildApp(te.engine, { source, tag, caFile: HOST_CA, onOutput: (l) => lines.push(l) });
  return { result, lines };
}

test('a Python http.server app builds in a venv (offline: no dependencies) and serves', async (t) => {
  const { result, lines } = await build({
    'requirements.txt': '# no dependencies\n',
    'app.py': 'import http.server, os\n\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        body = b"hello from python"\n        self.send_response(200)\n        self.send_header("Content-Length", str(len(body)))\n        self.end_headers()\n        self.wfile.write(body)\n\nhttp.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), H).serve_forever()\n',
    Procfile: 'web: python app.py\n',
  }, 'pyapp:latest');
  t.deepEqual(result.buildpacks.map((b) => b.name), ['Python']);
  t.true(lines.includes('-----> No dependencies to install'), lines.join('\n'));
  const which = await runToEnd(te.engine, { image: 'pyapp:latest', cmd: ['command -v python; echo $PYTHONUNBUFFERED'] });
  t.is(which.stdout, '/app/.venv/bin/python\n1\n');
  const { url } = await serveImage(te.engine, 'pyapp:latest');
  t.is((await httpGet(url)).body.toString(), 'hello from python');
});

test('a Go net/http app builds to a static binary on the run stack and serves', async (t) => {
  t.timeout(6 * 60 * 1000);
  const { result } = await build({
    'go.mod': 'module example.com/hello\n\ngo 1.19\n',
    'main.go': 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n\t"os"\n)\n\nfunc main() {\n\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello from go") })\n\thttp.ListenAndServe(":"+os.Getenv("PORT"), nil)\n}\n',
  }, 'goapp:latest');
  t.deepEqual(result.buildpacks.map((b) => b.name), ['Go']);
  t.is(result.processTypes.web, 'bin/hello');
  const file = await runToEnd(te.engine, { image: 'goapp:latest', cmd: ['command -v go || echo "no go here"; head -c 4 bin/hello | od -c | head -1'] });
  t.regex(file.stdout, /^no go here\n.*E\s+L\s+F/);
  const { url } = await serveImage(te.engine, 'goapp:latest');
  t.is((await httpGet(url)).body.toString(), 'hello from go');
});
