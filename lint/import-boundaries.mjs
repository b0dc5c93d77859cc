// The layering of the workspaces as an ESLint rule: which part of the tree may import which. `npm run lint` fails
// on an import that crosses a boundary the table below does not allow.
//
// Why a rule of our own and not eslint-plugin-import's `no-restricted-paths` or eslint-plugin-boundaries: both
// decide by the file an import resolves to, so a bare `@fleetlab/contracts` needs a resolver and a built `dist/`,
// and an import that does not resolve (a fresh clone before `tsc -b`) is silently allowed. This rule needs neither:
// a relative import is placed by its path, a bare one by the workspace names of package.json, so it judges the
// same before and after a build, and the whole layering stays one table in one file.
import path from 'node:path';

/** The workspaces, most specific first: a file belongs to the first whose folder holds it. */
const PARTS = [
  { part: 'packages', dir: /^packages\/([^/]+)\// },
  { part: 'services', dir: /^services\/([^/]+)\// },
  { part: 'platform/local', dir: /^platform\/local\// },
  { part: 'platform/tests', dir: /^platform\/tests\// },
  { part: 'web', dir: /^web\// },
  { part: 'chaos', dir: /^chaos\// },
  { part: 'dashboards', dir: /^dashboards\// },
  { part: 'loadtests', dir: /^loadtests\// },
];

/** Bare specifiers of our own workspaces (package.json `name`), mapped to the folder they live in. */
const WORKSPACE_NAMES = {
  '@fleetlab/contracts': 'packages/contracts/',
  '@fleetlab/runtime': 'packages/runtime/',
  '@fleetlab/telemetry': 'packages/telemetry/',
  '@fleetlab/local': 'platform/local/',
  api: 'services/api/',
  consumer: 'services/consumer/',
  simulator: 'services/simulator/',
  web: 'web/',
  chaos: 'chaos/',
  dashboards: 'dashboards/',
  loadtests: 'loadtests/',
};

/**
 * What each part's code may import besides itself. `packages` are the shared libraries: everything may use them,
 * they use only each other. A service never imports another service (the "itself" of a service is its own folder).
 * chaos drives the no-cluster lab, so it may use `platform/local`; the Kubernetes tests check the chaos drivers.
 */
const ALLOWED = {
  packages: ['packages'],
  services: ['packages'],
  web: ['packages'],
  'platform/local': ['packages'],
  chaos: ['packages', 'platform/local'],
  dashboards: ['packages'],
  loadtests: ['packages'],
  'platform/tests': ['packages', 'platform/local', 'chaos'],
};

/**
 * Test code (specs, integration tests, e2e, benches) may also use the lab that runs them: `platform/local` (the
 * launcher and its test helpers) and the browser driver of the e2e tests. It still never imports a service.
 */
const TEST_FILE = /(\.(spec|test|e2e)\.[cm]?[jt]sx?$)|(^|\/)(test|e2e|bench)\//;
const TEST_ALLOWED = ['platform/local', 'web/e2e/'];

/**
 * Named exceptions: one module, not a part. The cockpit shows the SLOs that the alerts page on, from the same spec
 * the rules are generated from (dashboards/src/slos.ts, data and pure functions, no I/O).
 */
const EXCEPTIONS = [{ from: 'web/src/', to: 'dashboards/src/slos' }];

/** Where a repo-relative path sits: its part, and its unit (a service's own folder, else the part). */
function placeOf(rel) {
  for (const { part, dir } of PARTS) {
    const m = dir.exec(rel);
    if (m) return { part, unit: part === 'services' || part === 'packages' ? `${part}/${m[1]}` : part };
  }
  return undefined;
}

/** The repo-relative path an import names, or undefined for a third-party module. */
function targetOf(spec, fileRel) {
  if (spec.startsWith('.')) return path.posix.normalize(path.posix.join(path.posix.dirname(fileRel), spec));
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  const dir = WORKSPACE_NAMES[name];
  return dir === undefined ? undefined : dir + spec.slice(name.length).replace(/^\//, '');
}

function allowed(from, to, fileRel, targetRel) {
  if (from.unit === to.unit) return true;
  if (EXCEPTIONS.some((e) => fileRel.startsWith(e.from) && targetRel.replace(/\.[cm]?[jt]sx?$/, '') === e.to)) return true;
  if ((ALLOWED[from.part] ?? []).includes(to.part)) return true;
  if (TEST_FILE.test(fileRel)) return TEST_ALLOWED.some((t) => (t.endsWith('/') ? `${targetRel}/`.startsWith(t) : to.part === t));
  return false;
}

/** @type {import('eslint').Rule.RuleModule} */
const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layering of the workspaces (lint/import-boundaries.mjs, docs/architecture.md).' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      crossing:
        "{{from}} may not import {{to}} ('{{spec}}'): {{hint}} See lint/import-boundaries.mjs and docs/architecture.md#layering.",
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const fileRel = path.relative(root, context.filename).split(path.sep).join('/');
    const from = placeOf(fileRel);
    if (!from) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string') return;
      const targetRel = targetOf(source.value, fileRel);
      if (targetRel === undefined) return;
      const to = placeOf(`${targetRel}/`) ?? { part: targetRel.split('/')[0] || '(root)', unit: targetRel };
      if (allowed(from, to, fileRel, targetRel)) return;
      const hint =
        from.part === 'services' && to.part === 'services'
          ? 'services never import each other; move what they share into packages/.'
          : from.part === 'packages'
            ? 'packages are shared by everything and import only packages.'
            : `${from.part} imports ${(ALLOWED[from.part] ?? []).join(', ') || 'nothing outside itself'} only.`;
      context.report({ node, messageId: 'crossing', data: { from: from.unit, to: to.unit, spec: source.value, hint } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : undefined),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node, node.arguments[0]);
        }
      },
    };
  },
};

export default { meta: { name: 'fleetlab' }, rules: { 'import-boundaries': importBoundaries } };
