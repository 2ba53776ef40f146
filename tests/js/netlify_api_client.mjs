// Netlify's official JavaScript API client (@netlify/api, unmodified) drives the emulator through every
// operation it serves. Run by tests/integration/test_netlify_api_js.py, which installs the client with
// scripts/install-netlify-api.sh and starts the emulator.
//
// Environment: NETLIFY_API_MODULE (the client's lib/index.js), EMULATOR_HOST (host:port),
// NETLIFY_AUTH_TOKEN, TEAM (a team slug of the token), FORMS_SITE (a seeded site with a form and
// submissions). Prints one JSON line per call, {"op": operationId}, and exits non-zero with the failing
// call and Netlify's error on the first failure.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const { NetlifyAPI } = await import(pathToFileURL(process.env.NETLIFY_API_MODULE).href);
const api = new NetlifyAPI(process.env.NETLIFY_AUTH_TOKEN, {
  scheme: 'http',
  host: process.env.EMULATOR_HOST,
  pathPrefix: '/api/v1',
});
const team = process.env.TEAM;

async function call(op, params) {
  try {
    const result = await api[op](params);
    console.log(JSON.stringify({ op }));
    return result;
  } catch (error) {
    const detail = error.json ? JSON.stringify(error.json) : String(error.data ?? error.message);
    throw new Error(`${op} failed: HTTP ${error.status ?? '?'} ${detail}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(`unexpected answer: ${message}`);
}

const digest = (algorithm, bytes) => createHash(algorithm).update(bytes).digest('hex');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilState(siteId, deployId, wanted) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const deploy = await call('getSiteDeploy', { site_id: siteId, deploy_id: deployId });
    if (deploy.state === wanted) return deploy;
    expect(deploy.state !== 'error', `deploy ${deployId} failed: ${deploy.error_message}`);
    await sleep(50);
  }
  throw new Error(`deploy ${deployId} never became ${wanted}`);
}

// A digest deploy: the files and function the API requires are uploaded, then it becomes ready.
async function digestDeploy(siteId, html) {
  const page = Buffer.from(html);
  const zip = Buffer.from(`function zip for ${html}`);
  const deploy = await call('createSiteDeploy', {
    site_id: siteId,
    title: 'from @netlify/api',
    body: { files: { '/index.html': digest('sha1', page) }, functions: { hello: digest('sha256', zip) } },
  });
  if (deploy.required.length) {
    await call('uploadDeployFile', { deploy_id: deploy.id, path: 'index.html', body: page });
  }
  if (deploy.required_functions.length) {
    await call('uploadDeployFunction', { deploy_id: deploy.id, name: 'hello', runtime: 'js', body: zip });
  }
  return untilState(siteId, deploy.id, 'ready');
}

async function publishedId(siteId) {
  return (await call('getSite', { site_id: siteId })).published_deploy?.id;
}

// Accounts and the user.
const accounts = await call('listAccountsForUser');
expect(accounts.some((a) => a.slug === team), `team ${team} listed`);
expect((await call('getAccount', { account_id: team })).slug === team, 'getAccount by slug');
expect((await call('getCurrentUser')).email, 'the user has an email');

// Sites.
const site = await call('createSiteInTeam', { account_slug: team, body: { name: 'js-client-site' } });
const personal = await call('createSite', { body: { name: 'js-client-personal' } });
expect((await call('listSites', { name: 'js-client' })).length === 2, 'listSites by name');
expect((await call('listSitesForAccount', { account_slug: team })).some((s) => s.id === site.id), 'team sites');
const updated = await call('updateSite', { site_id: site.id, body: { custom_domain: 'js-client.example.com' } });
expect(updated.custom_domain === 'js-client.example.com', 'updateSite');

// Metadata.
await call('updateSiteMetadata', { site_id: site.id, body: { owner: 'js-client' } });
expect((await call('getSiteMetadata', { site_id: site.id })).owner === 'js-client', 'metadata');

// Environment variables, values included.
const scope = { account_id: team, site_id: site.id };
await call('createEnvVars', {
  ...scope,
  body: [
    { key: 'JS_PLAIN', values: [{ context: 'all', value: 'one' }] },
    { key: 'JS_SECRET', is_secret: true, values: [{ context: 'production', value: 'hidden' }] },
  ],
});
expect((await call('getEnvVars', scope)).length === 2, 'getEnvVars');
const plain = await call('getEnvVar', { ...scope, key: 'JS_PLAIN' });
expect(plain.values[0].value === 'one', 'getEnvVar value');
const replaced = await call('updateEnvVar', {
  ...scope,
  key: 'JS_PLAIN',
  body: { key: 'JS_PLAIN', values: [{ context: 'production', value: 'p' }, { context: 'dev', value: 'd' }] },
});
expect(replaced.values.length === 2, 'updateEnvVar');
const patched = await call('setEnvVarValue', { ...scope, key: 'JS_PLAIN', body: { context: 'dev', value: 'dd' } });
const devValue = patched.values.find((v) => v.context === 'dev');
expect(devValue.value === 'dd', 'setEnvVarValue');
await call('deleteEnvVarValue', { ...scope, key: 'JS_PLAIN', id: devValue.id });
await call('deleteEnvVar', { ...scope, key: 'JS_SECRET' });
expect((await call('getEnvVars', scope)).map((v) => v.key).join() === 'JS_PLAIN', 'after deletes');

// Snippets.
const snippet = await call('createSiteSnippet', {
  site_id: site.id,
  body: { title: 'analytics', general: '<script></script>', general_position: 'head' },
});
expect((await call('listSiteSnippets', { site_id: site.id })).length === 1, 'listSiteSnippets');
await call('updateSiteSnippet', { site_id: site.id, snippet_id: snippet.id, body: { title: 'renamed' } });
expect((await call('getSiteSnippet', { site_id: site.id, snippet_id: snippet.id })).title === 'renamed', 'snippet');
await call('deleteSiteSnippet', { site_id: site.id, snippet_id: snippet.id });

// Outgoing hooks.
expect((await call('listHookTypes')).some((t) => t.name === 'email'), 'hook types');
const hook = await call('createHookBySiteId', {
  site_id: site.id,
  body: { type: 'email', event: 'deploy_failed', data: { email: 'ops@example.com' } },
});
expect((await call('listHooksBySiteId', { site_id: site.id })).length === 1, 'listHooksBySiteId');
await call('updateHook', { hook_id: hook.id, body: { disabled: true } });
expect((await call('getHook', { hook_id: hook.id })).disabled === true, 'updateHook');
expect((await call('enableHook', { hook_id: hook.id })).disabled === false, 'enableHook');
await call('deleteHook', { hook_id: hook.id });

// Build hooks.
const buildHook = await call('createSiteBuildHook', { site_id: site.id, body: { title: 'nightly', branch: 'main' } });
expect(buildHook.url, 'a build hook has a trigger URL');
expect((await call('listSiteBuildHooks', { site_id: site.id })).length === 1, 'listSiteBuildHooks');
await call('updateSiteBuildHook', { site_id: site.id, id: buildHook.id, body: { title: 'hourly' } });
expect((await call('getSiteBuildHook', { site_id: site.id, id: buildHook.id })).title === 'hourly', 'build hook');
await call('deleteSiteBuildHook', { site_id: site.id, id: buildHook.id });

// TLS.
const certificate = await call('provisionSiteTLSCertificate', { site_id: site.id });
expect(certificate.state === 'issued', 'provisioned');
expect((await call('showSiteTLSCertificate', { site_id: site.id })).domains.includes('js-client.example.com'), 'TLS');

// Deploys: digest deploys with uploads, files, rollback, restore, lock, cancel, delete.
const first = await digestDeploy(site.id, '<h1>first</h1>');
const second = await digestDeploy(site.id, '<h1>second</h1>');
expect((await publishedId(site.id)) === second.id, 'the newer deploy is published');
expect((await call('getDeploy', { deploy_id: second.id })).available_functions.length === 1, 'getDeploy');
expect((await call('listSiteDeploys', { site_id: site.id })).length === 2, 'listSiteDeploys');
const files = await call('listSiteFiles', { site_id: site.id });
expect(files.some((f) => f.path === '/index.html'), 'listSiteFiles');
const file = await call('getSiteFileByPathName', { site_id: site.id, file_path: 'index.html' });
expect(file.sha === digest('sha1', Buffer.from('<h1>second</h1>')), 'getSiteFileByPathName');
await call('rollbackSiteDeploy', { site_id: site.id });
expect((await publishedId(site.id)) === first.id, 'rolled back');
await call('restoreSiteDeploy', { site_id: site.id, deploy_id: second.id });
expect((await publishedId(site.id)) === second.id, 'restored');
expect((await call('lockDeploy', { deploy_id: second.id })).locked === true, 'locked');
expect((await call('unlockDeploy', { deploy_id: second.id })).locked === false, 'unlocked');
// netlify-cli's way: an empty draft, then the manifest in a PUT that says `draft: false`.
const draft = await call('createSiteDeploy', { site_id: site.id, body: { draft: true } });
const manifest = await call('updateSiteDeploy', {
  site_id: site.id,
  deploy_id: draft.id,
  body: { files: { '/index.html': digest('sha1', Buffer.from('<h1>second</h1>')) }, draft: false },
});
expect(manifest.draft === true && manifest.context === 'deploy-preview', 'a draft stays a draft');
await untilState(site.id, draft.id, 'ready');
expect((await publishedId(site.id)) === second.id, 'a ready draft is not published');
const pending = await call('createSiteDeploy', {
  site_id: site.id,
  body: { files: { '/index.html': digest('sha1', Buffer.from('<h1>never uploaded</h1>')) } },
});
expect((await call('cancelSiteDeploy', { deploy_id: pending.id })).state === 'error', 'canceled');
await call('deleteSiteDeploy', { site_id: site.id, deploy_id: pending.id });
await call('deleteDeploy', { deploy_id: first.id });

// Forms and submissions (on a seeded site: Netlify detects forms when it builds).
const formsSite = await call('getSite', { site_id: process.env.FORMS_SITE });
const [form] = await call('listSiteForms', { site_id: formsSite.id });
expect((await call('listSiteSubmissions', { site_id: formsSite.id })).length === form.submission_count, 'site');
expect((await call('listFormSubmissions', { form_id: form.id })).length === form.submission_count, 'form');
await call('deleteSiteForm', { site_id: formsSite.id, form_id: form.id });

// DNS zones and records (no update: a change is a delete and a create).
const zone = await call('createDnsZone', { body: { name: 'js-client.dev', account_slug: team } });
expect((await call('getDnsZones', { account_slug: team })).some((z) => z.id === zone.id), 'getDnsZones');
expect((await call('getDnsZone', { zone_id: zone.id })).name === 'js-client.dev', 'getDnsZone');
const dnsRecord = await call('createDnsRecord', {
  zone_id: zone.id,
  body: { type: 'MX', hostname: 'js-client.dev', value: 'mx.example.com', priority: 10 },
});
expect((await call('getDnsRecords', { zone_id: zone.id })).some((r) => r.id === dnsRecord.id), 'getDnsRecords');
const fetched = await call('getIndividualDnsRecord', { zone_id: zone.id, dns_record_id: dnsRecord.id });
expect(fetched.priority === 10, 'getIndividualDnsRecord');
await call('deleteDnsRecord', { zone_id: zone.id, dns_record_id: dnsRecord.id });
await call('deleteDnsZone', { zone_id: zone.id });

// Team members.
const [invited] = await call('addMemberToAccount', { account_slug: team, body: { email: 'js@acme.dev', role: 'Developer' } });
expect((await call('listMembersForAccount', { account_slug: team })).some((m) => m.id === invited.id), 'members');
const access = { role: 'Reviewer', site_access: 'selected', site_ids: [site.id] };
const member = await call('updateAccountMember', { account_slug: team, member_id: invited.id, body: access });
expect(member.role === 'Reviewer' && member.site_ids[0] === site.id, 'updateAccountMember');
expect((await call('getAccountMember', { account_slug: team, member_id: invited.id })).role === 'Reviewer', 'member');
await call('removeAccountMember', { account_slug: team, member_id: invited.id });

// Deploy keys, and a repository linked with one.
const key = await call('createDeployKey');
expect(key.public_key.startsWith('ssh-'), 'a public key');
expect((await call('listDeployKeys')).some((k) => k.id === key.id), 'listDeployKeys');
expect((await call('getDeployKey', { key_id: key.id })).id === key.id, 'getDeployKey');
const repo = { provider: 'github', repo_path: 'acme/js', repo_branch: 'main', deploy_key_id: key.id };
const linked = await call('updateSite', { site_id: site.id, body: { repo } });
expect(linked.build_settings.deploy_key_id === key.id, 'linked with the key');

// Split tests (Netlify cannot delete one).
const split = await call('createSplitTest', { site_id: site.id, body: { branch_tests: { main: 70, next: 30 } } });
expect((await call('getSplitTests', { site_id: site.id })).length === 1, 'getSplitTests');
await call('updateSplitTest', { site_id: site.id, split_test_id: split.id, body: { branch_tests: { main: 50, next: 50 } } });
await call('enableSplitTest', { site_id: site.id, split_test_id: split.id });
expect((await call('getSplitTest', { site_id: site.id, split_test_id: split.id })).active === true, 'published');
await call('disableSplitTest', { site_id: site.id, split_test_id: split.id });
await call('deleteDeployKey', { key_id: key.id });

// Deleting sites.
await call('deleteSite', { site_id: personal.id });
await call('deleteSite', { site_id: site.id });
console.log(JSON.stringify({ done: true }));
