import { parseArgs } from 'node:util';
import { exitWith } from '../cli/exit-with';
import { formatUsd, renderCostTable } from './cost-model';
import { preflight, SERVICES, type PreflightReport } from './preflight';
import type { ServiceName } from '../cloud/service-config';

export const HELP = `Usage: npm run preflight -- --stage <stage> [--region <region>] [options]

Resolves every service's deployment parameters for the stage offline, from the sources osls uses
(--param, the stage file config/<stage>.yml, the service's defaults; compose passes
ingest-transform's outputs to the others), runs each service's package-time rules and the rules
across services, and prints what each stack creates and what the stage costs. Exits 1 naming each
parameter that is wrong. No AWS credentials needed.

  --stage <stage>            required
  --region <region>          default: region in config/<stage>.yml, AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  --param <service>:<k>=<v>  a --param given to one service deployed alone (repeatable)
  --alone <service>          plan the service as deployed on its own from its folder: no compose
                             params, it reads the other stacks' values from SSM (repeatable)
  --params                   print every parameter with its source
  --cost-table               print the cost table of docs/OPERATIONS.md and exit`;

const SOURCE_LABEL = { default: 'default', stage: 'config', compose: 'compose', cli: '--param' } as const;

/** The report as text. */
export const renderReport = (report: PreflightReport, { allParams = false } = {}): string => {
  const lines = [`Stage ${report.stage} in ${report.region} (from ${report.regionSource})`, ''];
  for (const plan of report.services) {
    lines.push(`${plan.stack} (${plan.service})`);
    lines.push(`  functions: ${plan.functions.join(', ') || '-'}`);
    const byType = new Map<string, number>();
    for (const { type } of plan.resources) byType.set(type, (byType.get(type) ?? 0) + 1);
    lines.push(
      `  creates:   ${[...byType].map(([type, count]) => (count > 1 ? `${type} x${count}` : type)).join(', ')}`,
    );
    if (plan.off.length > 0) {
      lines.push(`  off:       ${plan.off.map(({ id, condition }) => `${id} (${condition})`).join(', ')}`);
    }
    if (plan.needsFirst.length > 0) {
      lines.push(`  deploy first: ${plan.needsFirst.join(', ')} (same stage and region)`);
    }
    // Values from other stacks (compose outputs, SSM parameters) are always shown with their origin.
    const shown = Object.entries(plan.params).filter(
      ([, { source, from }]) => allParams || source !== 'default' || from !== undefined,
    );
    for (const [name, { value, source, from }] of shown) {
      lines.push(`  ${name} = ${from ? `from ${from}` : value}   [${SOURCE_LABEL[source]}]`);
    }
    lines.push('');
  }
  const { items, subtotal, idlePerMonth, settings } = report.cost;
  lines.push('Cost per million events (docs/OPERATIONS.md; list prices, at 1M events per hour):');
  for (const { item, usd, perMonth, optional } of items) {
    lines.push(
      `  ${item.padEnd(40)} ${formatUsd(usd)}${perMonth ? '/month kept' : ''}${optional ? ' (on top)' : ''}`,
    );
  }
  lines.push(`  ${'subtotal'.padEnd(40)} ~$${subtotal.toFixed(2)}`);
  lines.push(
    `While idle: ~$${idlePerMonth.toFixed(0)} a month (the ${settings.streamMode === 'ON_DEMAND' ? 'on-demand hub' : `hub's ${settings.shardCount} shards and their fan-out consumer`}), plus stored data and alarms.`,
  );
  lines.push('');
  if (report.problems.length === 0) lines.push('No problems found.');
  else {
    lines.push(`${report.problems.length} problem(s); nothing was deployed:`);
    for (const { service, name, value, problem } of report.problems) {
      lines.push(`  ${service}: --param ${name}=${value === '' ? '(empty)' : value}: ${problem}`);
    }
  }
  return lines.join('\n');
};

const serviceName = (name: string): ServiceName => {
  if (!SERVICES.includes(name as ServiceName)) {
    throw new Error(`--alone ${name}: must be one of ${SERVICES.join(', ')}`);
  }
  return name as ServiceName;
};

/** Parses `<service>:<name>=<value>` items of --param. */
const cliParams = (items: readonly string[]): Partial<Record<ServiceName, Record<string, string>>> => {
  const result: Partial<Record<ServiceName, Record<string, string>>> = {};
  for (const item of items) {
    const match = /^([a-z-]+):([^=]+)=(.+)$/.exec(item);
    const service = match?.[1] as ServiceName | undefined;
    if (!match || !service || !SERVICES.includes(service)) {
      throw new Error(
        `--param ${item}: must be <service>:<name>=<value>, service one of ${SERVICES.join(', ')}`,
      );
    }
    (result[service] ??= {})[match[2] as string] = match[3] as string;
  }
  return result;
};

/** `preflight [options]`; returns the exit code. */
export const main = async (
  argv: readonly string[],
  out: Pick<NodeJS.WritableStream, 'write'> = process.stdout,
): Promise<number> => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      alone: { type: 'string', multiple: true, default: [] },
      params: { type: 'boolean', default: false },
      'cost-table': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out.write(`${HELP}\n`);
    return 0;
  }
  if (values['cost-table']) {
    out.write(`${renderCostTable()}\n`);
    return 0;
  }
  if (!values.stage) throw new Error(`--stage is required\n\n${HELP}`);
  const report = await preflight({
    stage: values.stage,
    ...(values.region ? { region: values.region } : {}),
    cliParams: cliParams(values.param),
    alone: values.alone.map(serviceName),
  });
  out.write(`${renderReport(report, { allParams: values.params })}\n`);
  return report.problems.length === 0 ? 0 : 1;
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
