// `npm install` runs this (the `prepare` script): builds the web app into web/dist with Vite. An install
// without dev dependencies has no Vite; Switchyard then runs without the web app and says so at `/`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.warn('switchyard: Vite is not installed (dev dependencies omitted?): the web app is not built.');
  process.exit(0);
}
const result = spawnSync(
  process.execPath,
  [vite, 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'error'],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
