'use strict';
/**
 * The template `Parameters` of a service: one per entry of its `custom.templateParameters`
 * (`{ <LogicalId>: { param: <deployment parameter>, description } }`), each holding that
 * deployment parameter as osls resolved it. A value read from the stage's Parameter Store (an ssm
 * dynamic reference) becomes a parameter of type AWS::SSM::Parameter::Value<String>, any other a
 * String: see `templateParameterFor` in stage-parameters.ts for why a JSON-typed property such as
 * an EventPattern takes the value through a parameter. A service's `serverless.ts` refers to this
 * file as `resources.Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}'`;
 * like check-params.cjs it runs while osls resolves variables (the TypeScript through tsx).
 */
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const { templateParameterFor } = tsxRequire('./stage-parameters.ts', __filename);
  const wanted = (await resolveConfigurationProperty(['custom', 'templateParameters'])) ?? {};
  const parameters = {};
  for (const [logicalId, { param, description }] of Object.entries(wanted)) {
    parameters[logicalId] = templateParameterFor(
      String(await resolveVariable(`param:${param}`)),
      description,
    );
  }
  return parameters;
};
