'use strict';
// The package's install script: make sure koffi, its one dependency, can be
// loaded from the package.
//
// `npm install ./bindings/node` (a folder outside the project) makes a
// symlink to the folder and, as npm documents for such folders, installs
// none of its dependencies: require('koffi') would fail.  In that case this
// script installs koffi into the folder's own node_modules, where npm never
// prunes it (a later `npm install -D typescript` in the project keeps it).
// Installed from a tarball, the registry or with --install-links, koffi is
// already resolvable (npm put it in the project) and this does nothing.

const path = require('node:path');
const { execFileSync } = require('node:child_process');

const pkgDir = path.join(__dirname, '..');

function resolvable() {
  try {
    require.resolve('koffi', { paths: [pkgDir] });
    return true;
  } catch {
    return false;
  }
}

if (!resolvable()) {
  const spec = `koffi@${require('../package.json').dependencies.koffi}`;
  const args = ['install', '--no-save', '--no-package-lock', '--omit=dev', '--ignore-scripts',
    '--no-audit', '--no-fund', spec];
  // npm_execpath is the npm running this script: use the same one.
  const npmCli = process.env.npm_execpath;
  const [cmd, argv] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  console.error(`libvoip: installing ${spec} into ${pkgDir} (a linked folder gets no dependencies from npm)`);
  execFileSync(cmd, argv, { cwd: pkgDir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (!resolvable()) {
    console.error(`libvoip: koffi is still missing: run "npm install --omit=dev" in ${pkgDir}`);
    process.exit(1);
  }
}
