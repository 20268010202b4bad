/**
 * `npm run params:table`: the deployment-parameter tables of the READMEs, generated from the code
 * that checks the values, so the documentation cannot drift from it. Each row is a parameter of a
 * service's `params.default` (its assembled `serverless.ts`), with the default as osls reads it,
 * what its rule accepts (the rule's own summary) and its one-line description (`src/params.ts`,
 * or the shared one). The parameters several services share are listed once, in
 * docs/PARAMETERS.md, with the services that use them. The tables go between markers; a unit test
 * fails when the committed text differs from what this generates.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { paramDescriptions as analyticsSinkDescriptions } from '@pipeline/analytics-sink/params';
import { paramDescriptions as ingestTransformDescriptions } from '@pipeline/ingest-transform/params';
import { paramDescriptions as mskConsumerDescriptions } from '@pipeline/msk-consumer/params';
import { paramDescriptions as reportRunnerDescriptions } from '@pipeline/report-runner/params';
import {
  SHARED_PARAM_DESCRIPTIONS,
  type ParamDescriptions,
  type ParamRules,
} from '@pipeline/shared/serverless';
import { exitWith } from '../cli/exit-with';
import { loadServiceConfig, paramRulesOf, type ServiceName } from '../cloud/service-config';
import { SERVICES } from './preflight';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const DESCRIPTIONS: Record<ServiceName, ParamDescriptions> = {
  'ingest-transform': ingestTransformDescriptions,
  'msk-consumer': mskConsumerDescriptions,
  'report-runner': reportRunnerDescriptions,
  'analytics-sink': analyticsSinkDescriptions,
};

/** One service's parameters: defaults as declared, rules and its own descriptions. */
export interface ServiceParams {
  service: ServiceName;
  defaults: Record<string, unknown>;
  rules: ParamRules;
  descriptions: ParamDescriptions;
}

/** Every service's parameters, from its assembled config and its `src/params.ts`. */
export const loadServiceParams = async (): Promise<ServiceParams[]> =>
  Promise.all(
    SERVICES.map(async (service) => ({
      service,
      defaults: ((await loadServiceConfig(service)).params as { default: Record<string, unknown> }).default,
      rules: paramRulesOf(service),
      descriptions: DESCRIPTIONS[service],
    })),
  );

// What CloudFormation's pseudo parameters stand for, as the tables show them.
const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': '<region>',
  'AWS::AccountId': '<account>',
  'AWS::StackName': '<stack>',
};

const variables = (text: string, service: string): string =>
  text.replaceAll('${sls:stage}', '<stage>').replaceAll('${self:service}', service);

/** A value inside a CloudFormation intrinsic, as text; undefined when it cannot be written as one. */
const intrinsicText = (value: unknown, service: string): string | undefined => {
  if (typeof value === 'string') return variables(value, service);
  if (value === null || typeof value !== 'object') return undefined;
  const { Ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (Ref) return PSEUDO[Ref];
  if (join) {
    const parts = join[1].map((part) => intrinsicText(part, service));
    return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
};

/**
 * A default as a reader of the README needs it: a stage's SSM parameter by name, a resource of the
 * stack by its logical id, an ARN built from pseudo parameters as its pattern, `${sls:stage}` as
 * `<stage>`.
 */
export const renderDefault = (value: unknown, service: string): string => {
  if (typeof value === 'string') {
    // The name still holds `${sls:stage}`, which ssmReferenceOf (CloudFormation's own pattern) refuses.
    const reference = /^\{\{resolve:ssm:(.+?)(?::\d+)?\}\}$/.exec(value)?.[1];
    if (reference) return `this stage's SSM parameter \`${variables(reference, service)}\``;
    return `\`${variables(value, service)}\``;
  }
  const { Ref } = (value ?? {}) as { Ref?: unknown };
  if (typeof Ref === 'string' && !PSEUDO[Ref]) return `the stack's \`${Ref}\``;
  const text = intrinsicText(value, service);
  return text === undefined ? `\`${JSON.stringify(value)}\`` : `\`${text}\``;
};

// Outside code spans, what Markdown would read as a tag, emphasis or a cell border.
const escapeCell = (text: string): string =>
  text
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/([|<>*])/g, '\\$1')))
    .join('');

const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string =>
  [headers, headers.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

/** `a: x; b, c: y`, or just `x` when every service says the same. */
const perService = (values: readonly { service: string; text: string }[]): string => {
  const byText = new Map<string, string[]>();
  for (const { service, text } of values) byText.set(text, [...(byText.get(text) ?? []), service]);
  return byText.size === 1
    ? ([...byText.keys()][0] ?? '')
    : [...byText].map(([text, services]) => `${services.join(', ')}: ${text}`).join('; ');
};

const isShared = (name: string): boolean => name in SHARED_PARAM_DESCRIPTIONS;

/** The table of one service's own parameters, and a line naming the shared ones it declares. */
export const serviceSection = (params: ServiceParams, sharedTableLink: string): string => {
  const names = Object.keys(params.defaults);
  const rows = names
    .filter((name) => !isShared(name))
    .map((name) => [
      `\`${name}\``,
      renderDefault(params.defaults[name], params.service),
      escapeCell(params.rules[name]?.summary ?? ''),
      escapeCell(params.descriptions[name] ?? ''),
    ]);
  const shared = names.filter(isShared).map((name) => `\`${name}\``);
  return [
    table(['Parameter', 'Default', 'Allowed values', 'Description'], rows),
    '',
    `Shared with other services ([${path.basename(sharedTableLink)}](${sharedTableLink})): ${shared.join(', ')}.`,
  ].join('\n');
};

/** The table of the parameters several services share, each listed once with its users. */
export const sharedSection = (all: readonly ServiceParams[]): string => {
  const rows = Object.keys(SHARED_PARAM_DESCRIPTIONS).flatMap((name) => {
    const users = all.filter(({ defaults }) => name in defaults);
    if (users.length === 0) return [];
    return [
      [
        `\`${name}\``,
        users.map(({ service }) => service).join(', '),
        perService(
          users.map(({ service, defaults }) => ({ service, text: renderDefault(defaults[name], service) })),
        ),
        perService(
          users.map(({ service, rules }) => ({ service, text: escapeCell(rules[name]?.summary ?? '') })),
        ),
        escapeCell(SHARED_PARAM_DESCRIPTIONS[name] ?? ''),
      ],
    ];
  });
  return table(['Parameter', 'Used by', 'Default', 'Allowed values', 'Description'], rows);
};

/** A generated part of a Markdown file: the text between its two markers. */
export interface ParamSection {
  file: string;
  id: string;
  content: string;
}

/** Every section `npm run params:table` writes. */
export const paramSections = (all: readonly ServiceParams[]): ParamSection[] => {
  const of = (service: ServiceName) => all.find((params) => params.service === service) as ServiceParams;
  const sharedTable = path.join(REPO_ROOT, 'docs', 'PARAMETERS.md');
  const serviceFile = (service: ServiceName) =>
    service === 'ingest-transform'
      ? path.join(REPO_ROOT, 'README.md')
      : path.join(REPO_ROOT, 'services', service, 'README.md');
  return [
    { file: sharedTable, id: 'shared', content: sharedSection(all) },
    ...SERVICES.map((service) => ({
      file: serviceFile(service),
      id: service,
      content: serviceSection(of(service), path.relative(path.dirname(serviceFile(service)), sharedTable)),
    })),
  ];
};

const markers = (id: string) => ({
  start: `<!-- params:${id}:start: generated by \`npm run params:table\` (local/src/preflight/param-table.ts) from each service's src/params.ts; a unit test compares them -->`,
  end: `<!-- params:${id}:end -->`,
});

/** The text between the markers of `id` in `text`. */
export const sectionIn = (text: string, id: string): string => {
  const { start, end } = markers(id);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} ... ${end} markers`);
  return text.slice(from + start.length, to);
};

/** `text` with the section `id` replaced by `content`. */
export const withSection = (text: string, id: string, content: string): string => {
  const { start, end } = markers(id);
  const old = sectionIn(text, id);
  return text.replace(`${start}${old}${end}`, `${start}\n\n${content}\n\n${end}`);
};

/** A section as Prettier's alignment leaves it, without the alignment: for comparing. */
export const normalised = (section: string): string =>
  section
    .trim()
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .replace(/^\|(.*)\|$/, '$1')
            .split(/(?<!\\)\|/)
            .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? '---' : cell.trim()))
            .join(' | ')
        : line.trim(),
    )
    .join('\n');

/** Writes every section into its file, then formats the file as `prettier --write` would. */
export const main = async (): Promise<number> => {
  // Loaded here only: Prettier's entry imports its plugins dynamically, which jest cannot run.
  const { format, resolveConfig } = await import('prettier');
  const sections = paramSections(await loadServiceParams());
  for (const file of new Set(sections.map((section) => section.file))) {
    let text = await readFile(file, 'utf8');
    for (const { id, content } of sections.filter((section) => section.file === file)) {
      text = withSection(text, id, content);
    }
    await writeFile(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
    process.stdout.write(`${path.relative(REPO_ROOT, file)}\n`);
  }
  return 0;
};

if (require.main === module) exitWith(main);
