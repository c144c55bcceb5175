/**
 * node-plop's generator runner: the part of node-plop that runs a generator's
 * actions in order and collects their failures. The package's entry point also
 * loads inquirer 9 at the top, for prompts we never let node-plop ask, so we
 * import the runner itself; these are the shapes we rely on.
 */
declare module 'node-plop/src/generator-runner.js' {
  type ActionFunction = (data: object, config: { type: string }) => string | Promise<string>;

  interface ActionTypes {
    getActionTypeList(): string[];
    getActionType(name: string): ActionFunction;
  }

  interface GeneratorConfig {
    name: string;
    description: string;
    prompts: [];
    actions: (data: object) => { type: string }[];
  }

  interface Runner {
    runGeneratorActions(
      generator: GeneratorConfig,
      data: object,
    ): Promise<{
      changes: { type: string; path: string }[];
      failures: { type: string; path: string; error: string }[];
    }>;
  }

  export default function generatorRunner(
    plopfileApi: ActionTypes,
    flags: { force: boolean },
  ): Runner;
}
