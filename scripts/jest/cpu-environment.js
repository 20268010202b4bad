// The test environment when JEST_CPU_LOG names a file (jest.config.js): jest's node environment
// that appends, per test file, one JSON line with the CPU the file cost its worker and the child
// processes it waited for (osls, PostgreSQL, local clouds), so a tier's cost can be ranked by
// file rather than by wall time, which hides a child's CPU and moves with the machine's load.
// A jest worker runs one file at a time, so the difference between set-up and tear-down is that
// file's; a child process counts once it has been waited for (Linux's cutime and cstime).
const { appendFileSync, readFileSync } = require('node:fs');
const { TestEnvironment } = require('jest-environment-node');

const TICKS_PER_SECOND = 100; // USER_HZ, which Linux fixes at 100 for /proc

// Own and children's CPU seconds from /proc/self/stat (fields 14-17); the command name in field 2
// may contain spaces, so the fields are counted after its closing parenthesis.
const cpuSeconds = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { own: (utime + stime) / TICKS_PER_SECOND, children: (cutime + cstime) / TICKS_PER_SECOND };
};

class CpuLoggingEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    this.started = { ...cpuSeconds(), at: Date.now() };
    await super.setup();
  }

  async teardown() {
    await super.teardown();
    const ended = cpuSeconds();
    const line = {
      file: this.testPath,
      wallSeconds: (Date.now() - this.started.at) / 1000,
      ownCpuSeconds: +(ended.own - this.started.own).toFixed(2),
      childCpuSeconds: +(ended.children - this.started.children).toFixed(2),
    };
    appendFileSync(process.env.JEST_CPU_LOG, `${JSON.stringify(line)}\n`);
  }
}

module.exports = CpuLoggingEnvironment;
