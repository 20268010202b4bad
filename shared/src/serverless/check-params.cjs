'use strict';
/**
 * Checks a service's deployment parameters while osls resolves its config's variables, so a bad
 * combination fails `sls package`, `sls deploy`, `sls print` and `sls invoke local` (and each
 * service of a compose deploy) before CloudFormation sees it. A service's `serverless.ts` refers to
 * this file as `${file(../../shared/src/serverless/check-params.cjs)}`.
 *
 * Why a `${file()}` function: `serverless.ts` is evaluated before variables are resolved (osls reads
 * it as plain JSON data), while a JS file source is called with osls's own `resolveVariable`, so each
 * `${param:name}` is the value osls itself deploys: `--param` first, then `params.<stage>`, then
 * `params.default` (osls lib/configuration/variables/sources/file.js and
 * .../instance-dependent/param.js).
 *
 * The rules are the service's `src/params.ts` export `paramRules` (TypeScript, loaded through tsx,
 * which osls itself uses to load `serverless.ts`).
 */
const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = async ({ options, resolveConfigurationProperty, resolveVariable }) => {
  // osls's service folder: the folder of --config, or the working directory.
  const serviceDir = options.config ? path.dirname(path.resolve(options.config)) : process.cwd();
  const { paramRules } = tsxRequire(path.join(serviceDir, 'src', 'params.ts'), __filename);
  const { assertParams } = tsxRequire('./params.ts', __filename);
  const service = await resolveConfigurationProperty(['service']);
  const stage = await resolveVariable('sls:stage');
  const params = {};
  for (const name of Object.keys(paramRules)) params[name] = await resolveVariable(`param:${name}`);
  try {
    assertParams(service, paramRules, { params, stage });
  } catch (error) {
    // osls prints the stack of what a file function throws: keep it to the message.
    if (error instanceof Error && error.name === 'ParamsError') error.stack = error.message;
    throw error;
  }
  return `${Object.keys(paramRules).length} parameters checked`;
};
