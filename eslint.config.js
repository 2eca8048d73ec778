import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Who may import whom (DESIGN.md, "Layers and who may import whom"). Import
 * paths are relative, so a file `depth` folders below the repository's root
 * names the top-level folder `layer` as `../` × depth + `layer/`: one config
 * per depth, each with its own pattern. Type imports pass when `types` is
 * true (a contract shared as types, not code). `import()` is checked too.
 */
function boundary({ dir, except = [], layers, types, message }) {
  return Array.from({ length: 6 }, (_, i) => {
    // \x2F is `/`: esquery's regex literals (no-restricted-syntax) end at the first plain one.
    const source = `^(\\.\\.\\x2F){${i + 1}}(${layers.join('|')})(\\x2F|$)`;
    return {
      files: [`${dir}/${'*/'.repeat(i)}*.ts`],
      ignores: except,
      rules: {
        '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex: source, allowTypeImports: types, message }] }],
        'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${source}/]`, message }],
      },
    };
  });
}

export default tseslint.config(
  // test/buildpacks/fixtures: the apps users push (CommonJS, their own style), not project code.
  { ignores: ['dist/', 'node_modules/', 'test/buildpacks/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Only entry points read the environment (STYLE.md rule 6).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read process.env only in */main.ts' }],
    },
  },
  // The dashboard's one browser script (live logs): a classic script with the browser's globals.
  {
    files: ['platform/dashboard/static/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', EventSource: 'readonly', setTimeout: 'readonly' } },
  },
  {
    files: ['**/main.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  // Only the Scheduler and the Builder hold the engine, and tspaasd's entry point (main.ts and the
  // config it parses, which includes the engine's) makes it; the rest of the platform may name
  // runtime types but runs no runtime code.
  ...boundary({
    dir: 'platform', except: ['platform/scheduler/**', 'platform/builds/**', 'platform/main.ts', 'platform/config.ts'],
    layers: ['runtime'], types: true,
    message: 'the platform reaches the engine only through its Scheduler and Builder (platform/types.ts); pure helpers belong in lib/',
  }),
  // The CLI talks HTTP to both; it may share the API contract's types.
  ...boundary({
    dir: 'cli', layers: ['platform', 'runtime'], types: true,
    message: 'the CLI reaches the platform and the engine only over their HTTP APIs (type imports of their contracts are fine; shared helpers belong in lib/)',
  }),
  // The router's contract with the platform is the route table, nothing else.
  ...boundary({ dir: 'router', layers: ['platform'], types: false, message: 'the router imports no platform code: it reads the route table (router/types.ts)' }),
  ...boundary({ dir: 'buildpacks', layers: ['platform'], types: false, message: 'buildpacks know nothing of the platform' }),
);
