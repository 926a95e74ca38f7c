// One cell of the cdk-nag matrix (test/infra/nag-matrix.test.ts), in a process of its own:
//   node synth.cjs <library: newest|floor> <nag: v3|v2> <runtime: default|newest|nodejs24.x…> <props: plain|everything> <outdir>
// runtime `default` leaves the prop out; `newest` is the newest Node.js runtime the library knows.
// props `everything` turns on what adds resources: tracing, CloudFront with AWS WAF (us-east-1), alarms by email, the workspace, inbound mail.
// `require('aws-cdk-lib')`, `require('cdk-nag')` and `require('constructs')` — the construct's, cdk-nag's
// and this script's — resolve to the versions pinned under npm aliases in tools/cdk-matrix, so one
// process sees exactly one aws-cdk-lib. The construct is the built package (dist/lib/index.cjs), as a
// CommonJS app loads it. Prints one JSON line: the library's version and the findings (rule ids).
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const [library, nag, runtime, props, outdir] = process.argv.slice(2);
const root = path.resolve(__dirname, '../../..');
const matrix = path.join(root, 'tools', 'cdk-matrix');
const aliases = { 'aws-cdk-lib': `aws-cdk-lib-${library}`, 'cdk-nag': `cdk-nag-${nag}`, constructs: 'constructs' };
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  const slash = request.indexOf('/');
  const name = slash === -1 ? request : request.slice(0, slash);
  if (!Object.hasOwn(aliases, name)) return resolve.call(this, request, parent, isMain, options);
  return resolve.call(this, aliases[name] + (slash === -1 ? '' : request.slice(slash)), parent, isMain, { paths: [matrix] });
};

const { App, Aspects, Stack, Validations } = require('aws-cdk-lib');
const { Runtime } = require('aws-cdk-lib/aws-lambda');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag');
const { Catalog, Closeloop } = require(path.join(root, 'dist', 'lib', 'index.cjs'));

const app = new App({ outdir });
const everything = props === 'everything';
const stack = new Stack(app, 'Closeloop', { env: { account: '123456789012', region: everything ? 'us-east-1' : 'eu-west-1' } });
new Closeloop(stack, 'Closeloop', {
  catalog: Catalog.fromFile(path.join(root, 'closeloop.yaml')),
  senderEmail: 'surveys@shop.example',
  supportEmail: 'support@shop.example',
  ...(everything
    ? { tracing: true, waf: true, alarmEmail: 'oncall@shop.example', senderDomain: 'shop.example', workspace: true, inbound: { domain: 'reply.shop.example' } }
    : {}),
  ...(runtime === 'default' ? {} : { runtime: chosenRuntime() }),
});

function chosenRuntime() {
  const major = (candidate) => Number(/^nodejs(\d+)\.x$/.exec(candidate.name)?.[1] ?? 0);
  const found =
    runtime === 'newest' ? Runtime.ALL.reduce((a, b) => (major(b) > major(a) ? b : a)) : Runtime.ALL.find((candidate) => candidate.name === runtime);
  if (!found) throw new Error(`aws-cdk-lib ${library} knows no runtime ${runtime}`);
  return found;
}

const findings = [];
if (nag === 'v3') {
  // cdk-nag 3: a policy validation plugin; a violation fails the synth with a report naming each rule.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    app.synth();
  } catch (error) {
    // The thrown error only points at the report; the report names each rule and construct.
    const file = path.join(outdir, 'validation-report.json');
    if (!fs.existsSync(file)) throw error;
    for (const plugin of JSON.parse(fs.readFileSync(file, 'utf8')).pluginReports) {
      for (const violation of plugin.violations) {
        for (const construct of violation.violatingConstructs) findings.push(`${violation.severity}: ${violation.ruleName} at ${construct.constructPath}`);
      }
    }
  }
} else {
  // cdk-nag 2: Aspects that add error and warning annotations; `cdk synth` fails on an error.
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new ServerlessChecks());
  const assembly = app.synth();
  for (const artifact of assembly.stacks) {
    for (const message of artifact.messages) {
      if (message.level !== 'error' && message.level !== 'warning') continue;
      const text = String(message.entry.data);
      const rule = /^(?:AwsSolutions|Serverless)-[A-Za-z0-9]+(?:\[[^\]]*\])?/.exec(text);
      if (rule) findings.push(`${message.level}: ${rule[0]} at ${message.id}`);
    }
  }
}
const { version } = require(path.join(matrix, 'node_modules', `aws-cdk-lib-${library}`, 'package.json'));
process.stdout.write(
  `${JSON.stringify({ version, runtime: stack.node.findAll().find((node) => node.cfnResourceType === 'AWS::Lambda::Function')?.runtime, findings })}\n`,
);
