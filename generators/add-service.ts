/**
 * mcc add service: one more systemd unit the deploy restarts, in the conf of
 * each stage. A conf with one SERVICE_NAME gets a SERVICES list in its place.
 */
import { addGenerator, Edits, emptyPlan, recordInList, type AddPlan } from '../src/add.js';
import { confPath, targetStages, type Pipeline } from '../src/pipeline.js';
import * as v from '../src/validate.js';
import { readYamlData } from '../src/yaml-read.js';
import { addToSeq, replaceTopLevel } from '../src/yaml-edit.js';

export const addServiceGenerator = addGenerator('add-service', 'Add a service to the pipeline');

const sameUnit = (known: unknown, unit: string) => v.unitKey(String(known)) === v.unitKey(unit);

function addService(path: string, text: string, unit: string): string | null {
  const conf = (readYamlData(path, text) ?? {}) as Record<string, unknown>;
  const services = conf.SERVICES;
  if (Array.isArray(services)) {
    return services.some((known) => sameUnit(known, unit))
      ? null
      : addToSeq(path, text, 'SERVICES', unit);
  }
  if (typeof conf.SERVICE_NAME === 'string' && conf.SERVICE_NAME !== '') {
    if (sameUnit(conf.SERVICE_NAME, unit)) return null;
    return replaceTopLevel(path, text, 'SERVICE_NAME', 'SERVICES', [conf.SERVICE_NAME, unit]);
  }
  return addToSeq(path, text, 'SERVICES', unit);
}

export function planService(pipeline: Pipeline, unit: string, stage?: string): AddPlan {
  v.check('service', unit, v.unitName);
  const plan = emptyPlan(`service ${unit}`);
  const edits = new Edits(pipeline.root);
  const targets = targetStages(pipeline, stage);
  for (const path of new Set(targets.map(confPath))) {
    const edited = addService(path, edits.text(path), unit);
    if (edited === null) plan.already.push(`${path}: ${unit}`);
    else edits.set(path, edited);
  }
  const change = { key: 'services' as const, item: unit, targets, everyStage: stage === undefined };
  recordInList(pipeline, edits, change, sameUnit);
  plan.actions.push(...edits.actions());
  plan.notes.push(
    `the next deploy restarts ${unit} after the others; its systemd unit and the sudoers ` +
      'line that allows restarting it are installed by someone with root',
  );
  return plan;
}
