// @ts-check
// ESLint with typescript-eslint's type-aware rules: the ones that catch what the compiler lets
// through (a promise nobody awaits, an `any` that leaks, a value stringified as [object Object]).
// Formatting is Prettier's (.prettierrc.json). Both run in `npm test` (`npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', '.build/', 'node_modules/', 'charts/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore marks what is left out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Prettier wraps code at this width; this catches the strings and comments it cannot wrap.
      'max-len': ['error', { code: 140, tabWidth: 2 }],
    },
  },
  {
    // The scripts are plain JavaScript, type-checked by tsc (checkJs) from their JSDoc.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { 'no-undef': 'off' },
  },
  {
    // Vitest's asymmetric matchers (expect.any, expect.stringContaining) and pg's rows are `any`
    // by design; a test's async callbacks throw to reject.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
