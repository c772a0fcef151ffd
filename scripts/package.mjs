// `npm run package`: builds build/roomd_<version>_<arch>.deb with Debian's own dpkg-deb, from this
// checkout: the compiled dist/, the production node_modules (native modules as built here, so for
// this machine's architecture), the launchers, the hardened unit, sysusers, udev and modules-load
// files, a starter /etc/roomd/roomd.yaml (a conffile: dpkg keeps the room's edits on upgrade) and
// the maintainer scripts in packaging/. Needs only dpkg-deb and npm (no network: node_modules is
// copied and pruned, never downloaded again).
//
// Options: --version V (default: package.json's, or $ROOMD_PACKAGE_VERSION), --out DIR (default build/).
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' } } });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = values.version ?? process.env.ROOMD_PACKAGE_VERSION ?? pkg.version;
if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version)) fail(`'${version}' is not a Debian version`);
const arch = run('dpkg', ['--print-architecture']).trim();
const outDir = resolve(values.out ?? join(root, 'build'));
const stage = join(outDir, `roomd_${version}_${arch}`);
const opt = join(stage, 'opt/roomd');

function fail(message) {
  console.error(`roomd package: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
  } catch (err) {
    fail(`${command} ${args.join(' ')} failed: ${err.message}`);
  }
}

/** Copies `from` (relative to the checkout) to `to` (relative to the package root), making parents. */
function put(from, to, mode) {
  const target = join(stage, to);
  mkdirSync(join(target, '..'), { recursive: true });
  cpSync(join(root, from), target, { recursive: true, dereference: true });
  if (mode !== undefined) chmodSync(target, mode);
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(opt, { recursive: true });

// 1. Compiled straight into the package (never a stale dist/, and this checkout's dist/ is left alone
//    for whatever runs from it meanwhile). The package ships no TypeScript sources.
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out', join(opt, 'dist')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0 || !existsSync(join(opt, 'dist/src/main.js'))) fail('the build failed: TypeScript must be installed to package (npm ci)');

// 2. The release under /opt/roomd.
for (const path of ['bin', 'package.json', 'package-lock.json', 'README.md', 'config/demo.yaml', 'config/fleet.example.yaml', 'systemd/README.md']) {
  put(path, join('opt/roomd', path));
}
if (existsSync(join(root, 'docs'))) put('docs', 'opt/roomd/docs');
cpSync(realpathSync(join(root, 'node_modules')), join(opt, 'node_modules'), { recursive: true, verbatimSymlinks: true });
// --ignore-scripts: what stays was built by `npm ci` on this machine; pruning only deletes.
run('npm', ['prune', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: opt });
// better-sqlite3 keeps its C sources and object files beside the addon: 20 MB nobody loads.
for (const junk of ['better-sqlite3/deps', 'better-sqlite3/src', 'better-sqlite3/build/Release/obj', 'better-sqlite3/build/Release/obj.target',
  'better-sqlite3/build/Release/test_extension.node', 'better-sqlite3/build/deps', '.package-lock.json']) {
  rmSync(join(opt, 'node_modules', junk), { recursive: true, force: true });
}

// 3. Commands on the PATH: small wrappers, so the package's node is used whatever is first on PATH.
for (const command of ['roomd', 'roomctl']) {
  const wrapper = join(stage, 'usr/bin', command);
  mkdirSync(join(wrapper, '..'), { recursive: true });
  writeFileSync(wrapper, `#!/bin/sh\n# Installed by the roomd package.\nexec /usr/bin/node /opt/roomd/bin/${command}.js "$@"\n`, { mode: 0o755 });
}

// 4. systemd, sysusers, udev, modules-load: where packages put them (the admin's copies in /etc win).
put('systemd/roomd.service', 'lib/systemd/system/roomd.service', 0o644);
// The fleet collector: shipped, not enabled (one machine of the territory runs it, not every room).
put('systemd/roomd-fleet.service', 'lib/systemd/system/roomd-fleet.service', 0o644);
put('systemd/sysusers-roomd.conf', 'usr/lib/sysusers.d/roomd.conf', 0o644);
put('systemd/99-roomd.rules', 'lib/udev/rules.d/99-roomd.rules', 0o644);
put('systemd/roomd-modules.conf', 'usr/lib/modules-load.d/roomd.conf', 0o644);
put('packaging/roomd.yaml', 'etc/roomd/roomd.yaml', 0o644);

// 5. DEBIAN/: control, conffiles, maintainer scripts.
const installedKb = run('du', ['-sk', '--exclude=DEBIAN', stage]).split(/\s/)[0];
mkdirSync(join(stage, 'DEBIAN'));
const control = readFileSync(join(root, 'packaging/control.in'), 'utf8')
  .replace('@VERSION@', version).replace('@ARCH@', arch).replace('@SIZE@', installedKb);
writeFileSync(join(stage, 'DEBIAN/control'), control);
writeFileSync(join(stage, 'DEBIAN/conffiles'), '/etc/roomd/roomd.yaml\n');
for (const script of ['postinst', 'prerm', 'postrm']) put(join('packaging', script), join('DEBIAN', script), 0o755);

// 6. The archive. gzip: quick to build, and every dpkg reads it.
const deb = join(outDir, `roomd_${version}_${arch}.deb`);
run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(stage, { recursive: true, force: true });
console.log(deb);
