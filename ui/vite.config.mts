/**
 * Builds tflow's web UI (docs/web-ui.md) into dist/ui, served by `tflow server` at /ui/.
 * Everything comes from npm packages at build time: the UI works offline, with no CDN.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    // The editor and the graph are split into their own chunks by dynamic import(); the rest is small.
    chunkSizeWarningLimit: 1500,
  },
});
