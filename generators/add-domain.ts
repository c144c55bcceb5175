/**
 * mcc add domain: one more tenant of a multi-tenant project, in the DOMAINS
 * of each stage's conf. The next deploy creates and migrates its database.
 */
import { addGenerator, Edits, emptyPlan, updateAnswers, type AddPlan } from '../src/add.js';
import { UsageError } from '../src/errors.js';
import { confPath, targetStages, type Pipeline } from '../src/pipeline.js';
import * as v from '../src/validate.js';
import { readYamlData } from '../src/yaml-read.js';
import { addToSeq } from '../src/yaml-edit.js';

export const addDomainGenerator = addGenerator('add-domain', 'Add a domain to the pipeline');

export function planDomain(pipeline: Pipeline, value: string, stage?: string): AddPlan {
  const domain = v.check('domain', value, v.domain).toLowerCase();
  if (!pipeline.multiTenant) {
    throw new UsageError(
      `domain ${JSON.stringify(value)}: this pipeline is single-tenant (no conf lists DOMAINS); ` +
        'a single-tenant stage serves its one DOMAIN',
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
  updateAnswers(pipeline, edits, (answers) => {
    // Every stage that shares the project's list gets it there; else each its own.
    if (stage === undefined && answers.stages.every((s) => !s.domains)) {
      if (!answers.domains.includes(domain)) answers.domains.push(domain);
      return;
    }
    for (const entry of answers.stages) {
      if (!targets.some((target) => target.name === entry.name)) continue;
      const list = entry.domains ?? answers.domains;
      if (!list.includes(domain)) entry.domains = [...list, domain];
    }
  });
  plan.actions.push(...edits.actions());
  plan.notes.push(
    pipeline.database === 'none'
      ? 'the next deploy smoke-tests it with the others'
      : 'the next deploy creates and migrates its database, then smoke-tests it',
  );
  return plan;
}
