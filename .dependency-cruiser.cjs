/**
 * Vigil's layering, checked by `npm test` (scripts/test.sh): arrows point down, and each rule says why.
 * The picture and the reasons: docs/architecture.md.
 */
const layer = (name) => `^src/${name}/`;
const otherLayersThan = (...allowed) => `^src/(?!(${allowed.join('|')})/)[^/]+/`;

module.exports = {
  forbidden: [
    {
      name: 'workflows-are-deterministic',
      comment:
        'Workflow code is replayed: it may use pure domain rules, the contracts it implements and the Temporal workflow API, nothing that does I/O (db, activities, config, node built-ins).',
      severity: 'error',
      from: { path: layer('workflows') },
      to: { pathNot: [`${layer('(workflows|domain|contracts)')}`, '^src/ids\\.ts$', '@temporalio/(workflow|common)/', '^src/activities/index\\.ts$'] },
    },
    {
      name: 'workflows-know-activities-by-type-only',
      comment: 'proxyActivities<Activities> needs the type; importing the code would bundle I/O into the workflow.',
      severity: 'error',
      from: { path: layer('workflows') },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-is-pure',
      comment: 'Domain rules are pure functions and types, used by every layer: they import nothing of Vigil but themselves and ids.',
      severity: 'error',
      from: { path: layer('domain') },
      to: { path: [otherLayersThan('domain'), '@temporalio/', '/pg/', '/express/'] },
    },
    {
      name: 'contracts-are-leaves',
      comment: 'Contracts (workflow inputs, signals, updates, messages) are shared by the API, activities and workflows: they depend on the domain only.',
      severity: 'error',
      from: { path: layer('contracts') },
      to: { path: otherLayersThan('contracts', 'domain') },
    },
    {
      name: 'db-is-below-its-callers',
      comment: 'Every SQL statement lives in src/db; it serves the API, activities and worker and knows none of them.',
      severity: 'error',
      from: { path: layer('db') },
      to: { path: layer('(api|activities|workflows|worker|config|stack)') },
    },
    {
      name: 'activities-do-not-reach-up',
      comment: 'Activities are built from their dependencies (createActivities(deps)): they never read config, nor import workflows, the API or the worker.',
      severity: 'error',
      from: { path: layer('activities') },
      to: { path: layer('(api|workflows|worker|config|stack)') },
    },
    {
      name: 'api-talks-to-workflows-through-contracts',
      comment: 'The API starts, signals and updates workflows by their contracts, and never runs activity or worker code.',
      severity: 'error',
      from: { path: layer('api') },
      to: { path: layer('(workflows|activities|worker|stack)') },
    },
    {
      name: 'cli-is-an-api-client',
      comment:
        'The command-line client (vigil) changes Vigil through its public API only: nothing it loads, even through another module, reaches the database, Temporal, workflows, activities, the worker or the server configuration.',
      severity: 'error',
      from: { path: layer('cli') },
      to: { path: ['^src/(db|workflows|activities|worker|config|stack|contracts)/', '(^|/)node_modules/(pg|@prisma|@temporalio)/'], reachable: true },
    },
    {
      name: 'runtime-never-needs-dev-tooling',
      comment: 'src/stack starts Postgres and Temporal for development and tests; what ships in the image never imports it.',
      severity: 'error',
      from: { pathNot: '^src/stack/' },
      to: { path: '^src/stack/' },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one: neither can be understood or changed alone.',
      severity: 'error',
      from: {},
      // Through type-only imports a cycle costs nothing at run time (a schema module and the types it validates).
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
