// `node scripts/run-together.mjs typecheck lint`: runs those npm scripts at the same time and
// prints each one's output in one piece when it ends, in the order given. Exits 1 when any failed.
// An argument `a,b` is a chain: `a`, then `b` once `a` has passed, the chain itself running at the
// same time as the other arguments. The first failure stops everything: the scripts still running
// are stopped (with their child processes) and no further one starts, so a type error ends
// `npm test` in the time the typecheck takes, not the time the longest tier takes.
// `npm test` uses it to keep both cores busy with parts that share nothing: the checks read the
// sources and write nothing (the generated folders tests write are ignored by tsc, ESLint and
// Prettier), each test writes to its own temporary folders, and a packaging to a cache of its own.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const chains = process.argv.slice(2).map((argument) => argument.split(',').filter(Boolean));
if (chains.length === 0 || chains.some((chain) => chain.length === 0)) {
  process.stderr.write('usage: node scripts/run-together.mjs <npm script>[,<npm script>...] ...\n');
  process.exit(2);
}

/** The scripts running now; each is the leader of its own process group (its jest workers too). */
const running = new Set();
let stopping = false;

const stopAll = () => {
  stopping = true;
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
};

// Detached scripts do not get the terminal's Ctrl-C: pass it on, then end.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

const run = (name) =>
  new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    const child = spawn('npm', ['run', name], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
    const end = (outcome) => {
      running.delete(child);
      resolve({
        name,
        ...outcome,
        output: `${Buffer.concat(chunks).toString()}${outcome.output ?? ''}`,
        seconds: seconds(),
      });
    };
    child.on('error', (error) => end({ code: 1, output: `${error.message}\n` }));
    child.on('close', (code, signal) => end({ code: code ?? 1, signal, stopped: stopping && code !== 0 }));
  });

const print = ({ name, code, signal, stopped, output, seconds }) => {
  process.stdout.write(`> npm run ${name}\n${output}`);
  const outcome =
    code === 0
      ? 'passed'
      : stopped
        ? 'stopped, as another one failed'
        : `failed (${signal ?? `exit ${code}`})`;
  process.stdout.write(`< npm run ${name} ${outcome} in ${seconds} s\n\n`);
};

// The first chain prints each script's output as it ends; the others print theirs when they end,
// in the order given, so a long chain beside them does not hide the progress of the first.
const runChain = async (chain, printNow) => {
  const results = [];
  for (const name of chain) {
    if (stopping) break;
    const result = await run(name);
    results.push(result);
    if (printNow) print(result);
    if (result.code !== 0) {
      if (!result.stopped) stopAll();
      break;
    }
  }
  return results;
};

const outcomes = await Promise.all(chains.map((chain, index) => runChain(chain, index === 0)));
for (const results of outcomes.slice(1)) results.forEach(print);
const passed = outcomes.every(
  (results, index) => results.length === chains[index].length && results.every(({ code }) => code === 0),
);
process.exit(passed ? 0 : 1);
