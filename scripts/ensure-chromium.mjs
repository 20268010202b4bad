// The browser tier opens the dashboard in Debian's Chromium through playwright-core
// (`playwright install` cannot download browsers here). Where it is missing, install it when this
// machine can (root with apt-get, as CI is), otherwise stop at once with the one command to run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packages = ['chromium', 'fonts-liberation'];
const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;

if (existsSync(chromium)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (!isRoot || !hasApt || process.env.CHROMIUM_PATH) {
  process.stderr.write(
    `The browser tests need Chromium at ${chromium}, which is missing.\n` +
      (hasApt
        ? `Install it with: sudo ${command}\n`
        : 'Install Chromium and set CHROMIUM_PATH to its binary.\n'),
  );
  process.exit(1);
}

process.stdout.write(`Chromium is missing: ${command}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
} catch {
  process.stderr.write(`Installing Chromium failed; run it yourself: ${command}\n`);
  process.exit(1);
}
if (!existsSync(chromium)) {
  process.stderr.write(`apt-get installed the packages but ${chromium} is still missing.\n`);
  process.exit(1);
}
