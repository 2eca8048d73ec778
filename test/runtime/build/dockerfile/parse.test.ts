import test from 'ava';
import { parseDockerfile, type Instruction } from '../../../../runtime/build/dockerfile/index.js';

const all = (text: string): Instruction[] => {
  const df = parseDockerfile(text);
  return [...df.metaArgs, ...df.stages.flatMap((s) => [s.from, ...s.instructions])];
};

test('every instruction of the reference parses, names case-insensitive', (t) => {
  const text = `ARG BASE=busybox
from \${BASE} AS build
RUN echo hi
RUN ["echo", "exec"]
SHELL ["/bin/sh", "-ec"]
CMD ["run"]
ENTRYPOINT ["/bin/app"]
ENV A=1 B="two words"
ENV LEGACY value with spaces
ARG X Y=2
LABEL a=b "c d"=e
EXPOSE 80 443/tcp
COPY --chown=1:2 --chmod=0644 a b /dst/
COPY --from=build /x /y
ADD https://example.com/f /f
WORKDIR /app
USER nobody
VOLUME ["/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=3 CMD true
HEALTHCHECK NONE
ONBUILD RUN echo child
MAINTAINER someone
FROM scratch
`;
  const df = parseDockerfile(text);
  t.is(df.metaArgs.length, 1);
  t.is(df.stages.length, 2);
  t.is(df.stages[0].name, 'build');
  const names = all(text).map((i) => i.name);
  t.deepEqual(names, ['ARG', 'FROM', 'RUN', 'RUN', 'SHELL', 'CMD', 'ENTRYPOINT', 'ENV', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'COPY', 'COPY', 'ADD',
    'WORKDIR', 'USER', 'VOLUME', 'STOPSIGNAL', 'HEALTHCHECK', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER', 'FROM']);
  const copy = df.stages[0].instructions.find((i) => i.name === 'COPY')!;
  t.deepEqual(copy.flags, { chown: '1:2', chmod: '0644' });
  t.is(copy.args, 'a b /dst/');
  t.deepEqual(df.stages[0].instructions.find((i) => i.name === 'HEALTHCHECK')!.flags, { interval: '5s', retries: '3' });
});

test('continuations join lines without a space; comments and blank lines inside are skipped', (t) => {
  const [, run] = all('FROM busybox\nRUN echo a \\\n  # a comment\n\n  b \\  \n c\nCMD x\n');
  t.is(run.args, 'echo a   b  c');
  t.is(run.line, 2);
  t.is(run.endLine, 6);
  t.is(all('FROM busybox\nRUN echo a \\\n  # a comment\n\n  b \\  \n c\nCMD x\n')[2].line, 7);
});

test('the escape directive switches to a backtick; directives only at the top', (t) => {
  const df = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n b\nCOPY c:\\dir /x\n');
  t.is(df.escape, '`');
  t.is(df.stages[0].instructions[0].args, 'echo a  b');
  t.is(df.stages[0].instructions[1].args, 'c:\\dir /x');
  const late = parseDockerfile('FROM busybox\n# escape=`\nRUN a \\\n b\n');
  t.is(late.escape, '\\');
  t.is(late.stages[0].instructions[0].args, 'a  b');
  t.throws(() => parseDockerfile('# escape=x\nFROM busybox\n'), { message: /line 1: invalid escape token 'x'/ });
});

test('heredocs on RUN and COPY', (t) => {
  const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\nCOPY <<-"END" /greeting\n\thello $X\nEND\nCMD done\n');
  const [run, copy, cmd] = df.stages[0].instructions;
  t.deepEqual(run.heredocs, [{ name: 'EOF', content: 'echo one\necho two\n', quoted: false, chomp: false }]);
  t.deepEqual(copy.heredocs, [{ name: 'END', content: 'hello $X\n', quoted: true, chomp: true }]);
  t.is(cmd.line, 9);
  t.throws(() => parseDockerfile('FROM busybox\nRUN <<EOF\necho\n'), { message: 'dockerfile parse error on line 2: unterminated heredoc EOF' });
});

test('syntax errors name the line', (t) => {
  const cases: Array<[string, string]> = [
    ['FROM busybox\n\nFOO bar\n', 'dockerfile parse error on line 3: unknown instruction: FOO'],
    ['RUN echo\n', 'dockerfile parse error on line 1: no build stage in current context'],
    ['FROM a b\n', 'dockerfile parse error on line 1: FROM requires either one or three arguments'],
    ['FROM busybox\nCOPY --bogus=1 a b\n', 'dockerfile parse error on line 2: Unknown flag: bogus'],
    ['FROM busybox\nSHELL /bin/bash\n', 'dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form'],
    ['FROM busybox\nENV\n', 'dockerfile parse error on line 2: ENV requires at least one argument'],
    ['FROM busybox\nENV A=1 B\n', `dockerfile parse error on line 2: Syntax error - can't find = in "B". Must be of the form: name=value`],
    ['FROM busybox\nENV ONLY\n', 'dockerfile parse error on line 2: ENV must have two arguments'],
    ['FROM busybox\nHEALTHCHECK NONE x\n', 'dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments'],
    ['FROM busybox\nHEALTHCHECK FOO\n', 'dockerfile parse error on line 2: Unknown type "FOO" in HEALTHCHECK (try CMD)'],
    ['FROM busybox\nHEALTHCHECK --interval=soon CMD true\n', 'dockerfile parse error on line 2: invalid duration for --interval: soon'],
    ['FROM busybox\nONBUILD ONBUILD RUN x\n', 'dockerfile parse error on line 2: ONBUILD ONBUILD is not allowed'],
    ['FROM busybox\nONBUILD FROM x\n', "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger"],
    ['FROM busybox\nCOPY onlyone\n', 'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['FROM busybox AS 1x\n', `dockerfile parse error on line 1: invalid name for build stage: "1x", name can't start with a number or contain symbols`],
    ['FROM busybox AS a\nFROM busybox AS a\n', 'dockerfile parse error on line 2: duplicate stage name "a"'],
    ['FROM busybox\nRUN --mount=type=cache,target=/x true\n', 'dockerfile parse error on line 2: the --mount option requires BuildKit'],
  ];
  for (const [text, message] of cases) t.throws(() => parseDockerfile(text), { message }, text);
  t.throws(() => parseDockerfile('# just a comment\n'), { message: 'the Dockerfile cannot be empty' });
});
