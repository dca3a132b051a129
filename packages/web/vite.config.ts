import react from '@vitejs/plugin-react';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vite';

/** Where npm put a package: this workspace's node_modules or the hoisted root one. */
function packageDir(name: string): string {
  const candidates = [import.meta.dirname, join(import.meta.dirname, '../..')].map((dir) =>
    join(dir, 'node_modules', name),
  );
  return candidates.find((dir) => existsSync(dir)) ?? candidates[1]!;
}
const monacoRoot = packageDir('monaco-editor');
const monacoVimRoot = packageDir('monaco-vim');
const serverUrl = process.env.WORKCELL_DEV_SERVER ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: [
      // monaco-vim imports deep paths that monaco's `exports` map no longer exposes.
      { find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoRoot}/esm/vs/$1.js` },
      // Its `browser` build bundles an old monaco; the ESM build uses ours.
      { find: /^monaco-vim$/, replacement: join(monacoVimRoot, 'dist/index.mjs') },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 5000, sourcemap: false },
  server: {
    proxy: {
      '/api': serverUrl,
      '/ws': { target: serverUrl, ws: true },
    },
  },
});
