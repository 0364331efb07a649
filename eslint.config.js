import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Node scripts written in plain JavaScript (TypeScript files get their globals from the type checker).
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Browser and worker code (the browser runtime, its test pages, the example app).
    files: ['packages/browser/**/*.{js,mjs}', 'examples/**/*.{js,mjs}'],
    languageOptions: {
      globals: {
        window: 'readonly',
        self: 'readonly',
        navigator: 'readonly',
        document: 'readonly',
        Worker: 'readonly',
        BroadcastChannel: 'readonly',
        console: 'readonly',
      },
    },
  },
)
