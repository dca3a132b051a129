import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Every cell starts the agent: zod/mini builds its schemas in a third of classic zod's time. */
const ZOD_CLASSIC_IN_THE_AGENT = {
  name: 'zod',
  message: "The agent's code uses zod/mini (docs/performance.md, Cell cold start).",
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Fastify plugins and handlers are async by contract, with or without an await.
      '@typescript-eslint/require-await': 'off',
      // With noUncheckedIndexedAccess, `!` marks indexes the code has just checked.
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        {
          // A bundler keeps only the zod functions a namespace import uses; `{ z }` keeps all.
          selector: "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier",
          message: "import * as z from 'zod', so bundles keep only what they use.",
        },
      ],
    },
  },
  {
    // Every cell runs the agent's bundle, and what it loads stays in the cell's memory.
    files: ['packages/agent/src/**'],
    ignores: ['**/*.test.ts', '**/test-support.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@workcell/protocol',
              allowTypeImports: true,
              message:
                "The protocol's index runs every API schema; import the module itself (@workcell/protocol/paths, /json-text…).",
            },
            {
              name: '@workcell/protocol/agent-replies',
              allowTypeImports: true,
              message:
                'Only the server validates what the agent sends; the agent needs these types, not their schemas.',
            },
            ZOD_CLASSIC_IN_THE_AGENT,
          ],
        },
      ],
    },
  },
  {
    // The protocol's modules with schemas that the agent's bundle holds.
    files: ['packages/protocol/src/agent.ts', 'packages/protocol/src/json-text.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [ZOD_CLASSIC_IN_THE_AGENT] }],
    },
  },
  {
    files: ['packages/agent/**', 'packages/protocol/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@workcell/server', '**/server/**'] }],
    },
  },
  {
    files: ['packages/web/src/**'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        { patterns: ['@workcell/server', '**/server/**', 'node:*'] },
      ],
    },
  },
  {
    // Tests run in Node: one that keeps a doc true to the code reads and writes the doc.
    files: ['packages/web/src/**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@workcell/server', '**/server/**'] }],
    },
  },
  {
    // @kubernetes/client-node types plain JSON (V1Pod, V1ObjectMeta…) as classes without
    // behaviour: object literals of them, and spreads of what it returns, are the intended use.
    files: ['packages/server/src/**/*kubernetes*/**'],
    rules: {
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-misused-spread': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
