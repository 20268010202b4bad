import {
  dynamicReferencesIn,
  MAX_DYNAMIC_REFERENCES,
  resolveDynamicReferences,
  ssmReferenceOf,
  STAGE_PARAMETERS,
  stageParameterName,
  type StageParameter,
} from '../src/serverless';
import { allowStatements, type CfnTemplate } from './template';

/** Parameter Store of a stage whose producers are deployed: each published name with a stand-in value. */
export const publishedStageParameters = (stage: string): Record<string, string> =>
  Object.fromEntries(
    (Object.keys(STAGE_PARAMETERS) as StageParameter[]).map((name) => [
      stageParameterName(name, stage),
      `${STAGE_PARAMETERS[name].key}-of-${stage}`,
    ]),
  );

/**
 * What CloudFormation would refuse or leave unresolved about a template's dynamic references:
 * more than {@link MAX_DYNAMIC_REFERENCES}; one in Conditions or Mappings, or in a parameter's
 * Default without a version (cfn-lint E1052); one inside an EventBridge EventPattern (a JSON
 * property, see templateParameterFor); one, or an SSM-typed template parameter, whose parameter
 * the stage does not publish.
 */
export const dynamicReferenceProblems = (template: CfnTemplate, stage: string): string[] => {
  const problems: string[] = [];
  const count = dynamicReferencesIn(template).length;
  if (count > MAX_DYNAMIC_REFERENCES) {
    problems.push(`${count} dynamic references, more than ${MAX_DYNAMIC_REFERENCES}`);
  }
  for (const section of ['Conditions', 'Mappings'] as const) {
    const found = dynamicReferencesIn((template as unknown as Record<string, unknown>)[section]);
    if (found.length > 0) problems.push(`${section} holds ${found.join(', ')}`);
  }
  // A parameter's Default may hold an ssm reference only with its version (dynamic-references-ssm.html).
  const unversioned = dynamicReferencesIn(template.Parameters).filter(
    (reference) => ssmReferenceOf(reference)?.version === undefined,
  );
  if (unversioned.length > 0) problems.push(`Parameters hold ${unversioned.join(', ')} without a version`);
  for (const [id, { Type, Properties }] of Object.entries(template.Resources)) {
    if (Type === 'AWS::Events::Rule' && dynamicReferencesIn(Properties?.EventPattern).length > 0) {
      problems.push(`${id}.EventPattern holds a dynamic reference`);
    }
  }
  try {
    // An AWS::SSM::Parameter::Value<String> parameter is read before any resource: a name the
    // store does not hold fails the operation as a dynamic reference does.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
    const ssmTyped = Object.values(template.Parameters ?? {}).filter(
      (parameter) => (parameter as { Type?: unknown }).Type === 'AWS::SSM::Parameter::Value<String>',
    );
    resolveDynamicReferences(
      ssmTyped.map((parameter) => `{{resolve:ssm:${String((parameter as { Default?: unknown }).Default)}}}`),
      publishedStageParameters(stage),
    );
    resolveDynamicReferences(
      { Resources: template.Resources, Outputs: template.Outputs },
      publishedStageParameters(stage),
    );
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
};

/** The `ssm:` actions any role or policy of the template grants (CloudFormation resolves with the deployer's). */
export const ssmGrants = (template: CfnTemplate): string[] =>
  allowStatements(template).flatMap(({ actions }) => actions.filter((action) => action.startsWith('ssm:')));
