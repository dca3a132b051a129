import react from '@vitejs/plugin-react';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** Where npm put a package: this workspace's node_modules or the hoisted root one. */
function packageDir(name: string): string {
  const candidates = [import.meta.dirname, join(import.meta.dirname, '../..')].map((dir) =>
    join(dir, 'node_modules', name),
  );
  return candidates.find((dir) => existsSync(dir)) ?? candidates[1]!;
}
const monacoRoot = packageDir('monaco-editor');
const monacoVimRoot = packageDir('monaco-vim');
const reactRouterRoot = packageDir('react-router');
const serverUrl = process.env.WORKCELL_DEV_SERVER ?? 'http://127.0.0.1:8000';

/**
 * Writes a .br and a .gz beside every compressible asset, once at build time, so the
 * server sends the ~1 MB workspace page instead of its 4 MB (@fastify/static preCompressed).
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'workcell-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    writeBundle() {
      const assets = join(outDir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg|ttf|json)$/.test(name)) continue;
        const data = readFileSync(join(assets, name));
        writeFileSync(join(assets, `${name}.gz`), gzipSync(data, { level: 9 }));
        writeFileSync(
          join(assets, `${name}.br`),
          brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

/**
 * Monaco contributions that every-contribution imports (Monaco's LSP client, register.all)
 * bring but this IDE has no use for, replaced by an empty module: inline completions
 * (ghost text; pyright offers none), the largest contribution by far.
 */
const UNUSED_MONACO = /\/contrib\/inlineCompletions\/browser\/inlineCompletions\.contribution\.js$/;

function dropUnusedMonaco(): Plugin {
  const empty = '\0workcell-unused-monaco';
  return {
    name: 'workcell-drop-unused-monaco',
    enforce: 'pre',
    resolveId: (source) => (UNUSED_MONACO.test(source) ? empty : undefined),
    load: (id) => (id === empty ? 'export {};' : undefined),
  };
}

/**
 * react-router's `exports` give bundlers its development build (its warnings on) under
 * every condition; the build takes the production one beside it.
 */
function reactRouterProduction(): Plugin {
  return {
    name: 'workcell-react-router-production',
    apply: 'build',
    enforce: 'pre',
    resolveId: (source) =>
      source === 'react-router' ? join(reactRouterRoot, 'dist/production/index.mjs') : undefined,
  };
}

export default defineConfig({
  plugins: [react(), dropUnusedMonaco(), reactRouterProduction(), precompress()],
  resolve: {
    alias: [
      // monaco-vim imports deep paths that monaco's `exports` map no longer exposes.
      { find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoRoot}/esm/vs/$1.js` },
      // Its `browser` build bundles an old monaco; the ESM build uses ours.
      { find: /^monaco-vim$/, replacement: join(monacoVimRoot, 'dist/index.mjs') },
      // Monaco's own LSP client, without the full `monaco-editor` entry and its languages.
      {
        find: /^monaco-lsp-client$/,
        replacement: `${monacoRoot}/esm/external/monaco-lsp-client/out/index.js`,
      },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 5000,
    sourcemap: false,
    // Which chunk each source became and what it imports (bench/web-load.ts reads it).
    manifest: true,
    rolldownOptions: {
      output: {
        // xterm.js in a chunk of its own, preloaded beside the workspace page's chunk.
        codeSplitting: { groups: [{ name: 'xterm', test: /[\\/]node_modules[\\/]@xterm[\\/]/ }] },
      },
    },
  },
  server: {
    proxy: {
      '/api': serverUrl,
      '/ws': { target: serverUrl, ws: true },
    },
  },
});
