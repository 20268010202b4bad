import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import type { AWS } from 'osls';
import { REPO_ROOT, SERVICE_NAMES } from '@pipeline/shared/testing';

// A team works on its service alone through the scripts of the service's package.json, all of
// them the one shared script (scripts/service.mjs) run in the service's folder.

const serviceDir = (service: string) => path.join(REPO_ROOT, 'services', service);
const FOLDERS_NEVER_CHECKED = new Set(['node_modules', '.esbuild', '.serverless']);

/** Every TypeScript file of a service folder, relative to it, outside what tools generate. */
const typeScriptFiles = async (dir: string, relative = ''): Promise<string[]> => {
  const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const file = path.join(relative, entry.name);
      if (entry.isDirectory()) return FOLDERS_NEVER_CHECKED.has(entry.name) ? [] : typeScriptFiles(dir, file);
      return entry.name.endsWith('.ts') ? [file] : [];
    }),
  );
  return nested.flat();
};

interface ServicePackage {
  scripts: Record<string, string>;
  config?: { invoke?: { function?: string; event?: string } };
}
const packageOf = async (service: string): Promise<ServicePackage> =>
  JSON.parse(await readFile(path.join(serviceDir(service), 'package.json'), 'utf8')) as ServicePackage;

describe.each(SERVICE_NAMES)('%s on its own', (service) => {
  it('has test, test:unit, test:integration, typecheck, lint and invoke, each the shared script', async () => {
    const { scripts } = await packageOf(service);
    for (const name of ['test', 'test:unit', 'test:integration', 'typecheck', 'lint', 'invoke'])
      expect([name, scripts[name]]).toEqual([name, `node ../../scripts/service.mjs ${name}`]);
    expect(scripts.package).toBe('rm -rf .serverless .esbuild && sls package --stage dev');
  });

  it('typechecks every TypeScript file of its folder (tests and infrastructure modules too)', async () => {
    const configFile = path.join(serviceDir(service), 'tsconfig.json');
    const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
    expect(error).toBeUndefined();
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, serviceDir(service), undefined, configFile);
    expect(parsed.errors).toEqual([]);
    // The same compiler options as the root typecheck: one strict base for every workspace.
    expect(parsed.options.strict).toBe(true);
    expect(parsed.options.noUncheckedIndexedAccess).toBe(true);
    expect(parsed.options.noEmit).toBe(true);
    const checked = parsed.fileNames.map((file) => path.relative(serviceDir(service), file)).sort();
    const files = (await typeScriptFiles(serviceDir(service))).sort();
    expect(files).toContain('serverless.ts');
    expect(files.some((file) => file.startsWith(`tests${path.sep}`))).toBe(true);
    expect(checked).toEqual(files);
  });

  it('says how in its README, naming only scripts it has', async () => {
    const readme = await readFile(path.join(serviceDir(service), 'README.md'), 'utf8');
    const section = readme.split('\n## Working on this service alone\n')[1]?.split('\n## ')[0] ?? '';
    const named = [...section.matchAll(/^npm (?:run (\S+)|(test))/gm)].map(([, run, test]) => run ?? test);
    const { scripts } = await packageOf(service);
    expect(new Set(named)).toEqual(
      new Set(['test', 'test:unit', 'test:integration', 'typecheck', 'lint', 'invoke', 'package']),
    );
    expect(named.filter((name) => name === undefined || !(name in scripts))).toEqual([]);
  });

  it('invokes a function of its serverless.ts with one of its sample events by default', async () => {
    const invoke = (await packageOf(service)).config?.invoke;
    expect(invoke?.event).toMatch(/^events\/[^/]+\.json$/);
    expect(existsSync(path.join(serviceDir(service), invoke?.event ?? ''))).toBe(true);
    const serverless = ((await import(path.join(serviceDir(service), 'serverless'))) as { default: AWS })
      .default;
    expect(Object.keys(serverless.functions ?? {})).toContain(invoke?.function);
  });
});
