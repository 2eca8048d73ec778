import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['**/main.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
