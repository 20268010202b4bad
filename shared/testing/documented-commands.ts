import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './package';

/** The four services, by folder name under `services/`. */
export const SERVICE_NAMES = ['ingest-transform', 'msk-consumer', 'report-runner', 'analytics-sink'] as const;

/** Every Markdown document a deployer reads: the root README, each service's README, docs/*.md. */
export const documentationFiles = async (): Promise<string[]> => [
  path.join(REPO_ROOT, 'README.md'),
  ...SERVICE_NAMES.map((service) => path.join(REPO_ROOT, 'services', service, 'README.md')).filter(
    existsSync,
  ),
  ...(await readdir(path.join(REPO_ROOT, 'docs')))
    .filter((file) => file.endsWith('.md'))
    .map((file) => path.join(REPO_ROOT, 'docs', file)),
];

/** Every piece of code of a Markdown text: fenced blocks and inline spans, in order. */
export const codeSpans = (markdown: string): { text: string; fenced: boolean }[] =>
  [...markdown.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((match) =>
    match[1] === undefined ? { text: match[2] ?? '', fenced: false } : { text: match[1], fenced: true },
  );

/** An `sls` command a document shows, with the folder it runs in. */
export interface DocumentedCommand {
  /** The document, relative to the repository. */
  file: string;
  /** The folder it runs in, relative to the repository: '' for the root (compose). */
  cwd: string;
  /** In a fenced block (a command to run) rather than an inline span (a mention in prose). */
  fenced: boolean;
  /** The arguments after `sls`. */
  argv: string[];
  text: string;
}

// Shell words; a <placeholder> with spaces stays one word, quotes are removed.
const words = (line: string): string[] =>
  [...line.matchAll(/<[^>]*>\S*|'[^']*'|"[^"]*"|\S+/g)].map(([word]) => word.replace(/^(['"])(.*)\1$/, '$2'));

const SLS = /^(?:npx\s+)?(?:sls|serverless)\s/;

/**
 * The `sls` / `npx sls` / `serverless` commands of one document. A fenced block runs from the
 * folder the document is about (a service's README: that service; otherwise the root) and follows
 * `cd`; a `(cd dir && ...)` subshell changes the folder for that line only. An inline span runs
 * from the document's folder.
 */
export const documentedCommands = (file: string, markdown: string): DocumentedCommand[] => {
  const relative = path.relative(REPO_ROOT, file);
  const home = relative.startsWith('services/') ? path.dirname(relative) : '';
  return codeSpans(markdown).flatMap(({ text, fenced }) => {
    let cwd = home;
    const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
    return lines.flatMap((line) => {
      const code = line.replace(/(^|\s)#.*$/, '').trim();
      const subshell = code.startsWith('(');
      let lineCwd = cwd;
      const commands: DocumentedCommand[] = [];
      for (const segment of code.replace(/^\(|\)\s*$/g, '').split(/&&|;|\|\|/)) {
        // Environment assignments before the command (`AWS_REGION=eu-west-1 npx sls ...`).
        const command = segment.trim().replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '');
        const cd = /^cd\s+(\S+)$/.exec(command);
        if (cd && fenced) lineCwd = path.normalize(path.join(lineCwd, cd[1] ?? '.')).replace(/^\.$/, '');
        else if (SLS.test(`${command} `) && !command.includes('serverless-')) {
          commands.push({
            file: relative,
            cwd: lineCwd,
            fenced,
            argv: words(command).slice(command.startsWith('npx') ? 2 : 1),
            text: segment.trim(),
          });
        }
      }
      if (!subshell) cwd = lineCwd;
      return commands;
    });
  });
};

/** Every documented `sls` command of every document. */
export const allDocumentedCommands = async (): Promise<DocumentedCommand[]> =>
  (
    await Promise.all(
      (await documentationFiles()).map(async (file) =>
        documentedCommands(file, await readFile(file, 'utf8')),
      ),
    )
  ).flat();
