import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AWS } from 'osls';
import { codeSpans, documentationFiles, REPO_ROOT, SERVICE_NAMES } from '../../testing';

/**
 * osls's own `${param:}` source, which parses every `--param` (lib/configuration/variables/sources/
 * instance-dependent/param.js): it refuses a value that does not match `<key>=<value>` with a
 * non-empty value, so an off-switch spelt `--param registryKey=` cannot be typed.
 */
interface ParamSource {
  resolve(input: {
    address: string;
    options: { stage: string };
    resolveConfigurationProperty: () => Promise<unknown>;
  }): Promise<{ value: unknown }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const paramSource = require('osls/lib/configuration/variables/sources/instance-dependent/param') as (
  serverless: unknown,
) => ParamSource;

/** Resolves `name` the way `sls --param <item>` would, with osls's parser. */
const oslsResolves = (item: string, name: string) =>
  paramSource({ processedInput: { options: { param: [item] } }, configurationInput: { params: {} } }).resolve(
    {
      address: name,
      options: { stage: 'dev' },
      resolveConfigurationProperty: () => Promise.resolve(undefined),
    },
  );

const SERVICES = SERVICE_NAMES;

/** Every `--param <item>` inside code (fenced blocks and inline spans) of a Markdown text. */
const documentedParams = (markdown: string): string[] =>
  codeSpans(markdown).flatMap(({ text }) =>
    [...text.matchAll(/--param[= ]([^\s`]*)/g)].map((match) => match[1] ?? ''),
  );

const loadConfig = async (service: (typeof SERVICES)[number]): Promise<AWS> =>
  ((await import(`@pipeline/${service}/serverless`)) as { default: AWS }).default;

describe('every default a service declares', () => {
  // A default a deployer cannot type back (`--param alarmTopicArn=` to restore "unset") is an
  // off-switch that only works by omission: "unset" is spelt none everywhere.
  it('can be passed back with --param, as osls parses it', async () => {
    for (const service of SERVICES) {
      const config = await loadConfig(service);
      for (const [name, value] of Object.entries(config.params?.default ?? {})) {
        if (typeof value !== 'string') continue; // a CloudFormation reference, never a --param
        await expect(
          oslsResolves(`${name}=${value}`, name).catch(() => `${service}: ${name}='${value}'`),
        ).resolves.toEqual({
          value: expect.any(String),
        });
      }
    }
  });
});

describe('the --param values the docs show', () => {
  it('are accepted by osls and name a parameter some service declares', async () => {
    const declared = new Set<string>();
    for (const service of SERVICES)
      for (const name of Object.keys((await loadConfig(service)).params?.default ?? {})) declared.add(name);
    const found: string[] = [];
    for (const file of await documentationFiles()) {
      for (const item of documentedParams(await readFile(file, 'utf8'))) {
        const name = item.split('=')[0] ?? '';
        found.push(item);
        await expect(oslsResolves(item, name)).resolves.toEqual({ value: expect.any(String) });
        // `--param key=value` / `name=value` explain the syntax; every other name is a real one.
        if (!item.endsWith('=value'))
          expect([path.relative(REPO_ROOT, file), declared.has(name) ? name : `undeclared ${name}`]).toEqual([
            path.relative(REPO_ROOT, file),
            name,
          ]);
      }
    }
    expect(found.length).toBeGreaterThan(5);
  });

  it("rejects the empty off-switch osls cannot take, through osls's own parser", async () => {
    await expect(oslsResolves('registryKey=', 'registryKey')).rejects.toThrow(
      /invalid "--param" CLI option value/,
    );
    expect(
      documentedParams(
        'run `sls deploy --param registryKey=` and\n```sh\nsls package --param a=1 --param=b=2\n```',
      ),
    ).toEqual(['registryKey=', 'a=1', 'b=2']);
  });
});
