/**
 * mcc add domain: one more tenant of a multi-tenant project, in the DOMAINS
 * of each stage's conf. The next deploy creates and migrates its database.
 */
import { addGenerator, Edits, emptyPlan, recordInList, type AddPlan } from '../src/add.js';
import { UsageError } from '../src/errors.js';
import { confPath, targetStages, type Pipeline } from '../src/pipeline.js';
import * as v from '../src/validate.js';
import { readYamlData } from '../src/yaml-read.js';
import { addToSeq } from '../src/yaml-edit.js';

export const addDomainGenerator = addGenerator('add-domain', 'Add a domain to the pipeline');

export function planDomain(pipeline: Pipeline, value: string, stage?: string): AddPlan {
  const domain = v.domainKey(v.check('domain', value, v.domain));
  if (!pipeline.multiTenant) {
    throw new UsageError(
      `domain ${JSON.stringify(value)}: this pipeline is single-tenant (no conf lists DOMAINS); ` +
        'a single-tenant stage serves its one DOMAIN (re-run npx create-mcc-pipeline with ' +
        '--tenancy multi --domains to change that)',
    );
  }
  const plan = emptyPlan(`domain ${domain}`);
  const edits = new Edits(pipeline.root);
  const targets = targetStages(pipeline, stage);
  for (const path of new Set(targets.map(confPath))) {
    const text = edits.text(path);
    const domains = (((readYamlData(path, text) ?? {}) as Record<string, unknown>).DOMAINS ??
      []) as string[];
    if (domains.includes(domain)) plan.already.push(`${path}: ${domain}`);
    else edits.set(path, addToSeq(path, text, 'DOMAINS', domain));
  }
  const everyStage = stage === undefined;
  recordInList(pipeline, edits, { key: 'domains', item: domain, targets, everyStage });
  plan.actions.push(...edits.actions());
  plan.notes.push(
    pipeline.database === 'none'
      ? 'the next deploy smoke-tests it with the others'
      : 'the next deploy creates and migrates its database, then smoke-tests it',
  );
  return plan;
}
