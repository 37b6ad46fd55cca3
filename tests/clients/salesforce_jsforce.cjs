// Runs jsforce, unchanged, against `crmsim serve`: SOAP and OAuth2 login,
// CRUD, a query paged with queryMore over more than 2,000 rows, collections
// with a partial failure, describe, limits, child subqueries, semi-joins and
// aggregates, composite, batch and tree requests, SOAP convertLead and
// getUserInfo, Bulk API 2.0 ingest and query jobs, SOSL, selective sync through
// sharing, and the real error codes. Usage: node salesforce_jsforce.cjs CRMSIM ORG_FILE
'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const assert = require('node:assert/strict');
const jsforce = require('jsforce');

const [crmsim, orgFile] = process.argv.slice(2);

function startServer() {
  const child = spawn(crmsim, ['serve', '--salesforce-org', orgFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, info: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`crmsim serve exited with ${code}`)));
  });
}

async function step(name, fn) {
  const started = Date.now();
  await fn();
  console.log(`ok - ${name} (${Date.now() - started} ms)`);
}

async function main() {
  const { child, info } = await startServer();
  const sf = info.salesforce;
  const user = (name) => sf.users.find((u) => u.username === name);
  try {
    const conn = new jsforce.Connection({ loginUrl: sf.login_url, version: '59.0' });

    await step('SOAP login (jsforce default)', async () => {
      const admin = user('admin@crmsim.example');
      const who = await conn.login(admin.username, admin.password);
      assert.equal(who.id, admin.user_id);
      assert.equal(who.organizationId, sf.org_id);
      assert.equal(conn.instanceUrl, sf.instance_url);
      await assert.rejects(new jsforce.Connection({ loginUrl: sf.login_url }).login(admin.username, 'wrong'),
        /INVALID_LOGIN/);
    });

    await step('OAuth2 password flow', async () => {
      const oauth = new jsforce.Connection({
        oauth2: { loginUrl: sf.login_url, clientId: 'client', clientSecret: 'secret' }, version: '59.0' });
      const rep = user('rep@acme.example');
      const who = await oauth.login(rep.username, rep.password);
      assert.equal(who.id, rep.user_id);
      const rows = await oauth.query('SELECT Id, LastName FROM Lead ORDER BY LastName');
      assert.equal(rows.totalSize, 2, 'the owner sees both of their leads');
      const me = await oauth.identity();
      assert.equal(me.user_id, rep.user_id);
      assert.equal(me.username, rep.username);
      const counts = await oauth.request('/services/data/v59.0/limits/recordCount?sObjects=Lead');
      assert.equal(counts.sObjects[0].name, 'Lead');
      const { accessToken, instanceUrl } = oauth;
      await oauth.logout();  // revokes the access token
      const stale = new jsforce.Connection({ instanceUrl, accessToken, version: '59.0' });
      await assert.rejects(stale.query('SELECT Id FROM Lead'), (e) => e.errorCode === 'INVALID_SESSION_ID');
    });

    let id;
    await step('create, retrieve, update, delete', async () => {
      const created = await conn.sobject('Lead').create({ LastName: "O'Brien", Company: 'Acme', Email: "o'brien@acme.example" });
      assert.equal(created.success, true);
      id = created.id;
      const lead = await conn.sobject('Lead').retrieve(id);
      assert.equal(lead.Email, "o'brien@acme.example");
      assert.equal(lead.attributes.type, 'Lead');
      await conn.sobject('Lead').update({ Id: id, Title: 'CTO' });
      const again = await conn.query(`SELECT Title FROM Lead WHERE Email = 'o\\'brien@acme.example'`);
      assert.equal(again.records[0].Title, 'CTO', 'an apostrophe in an email round-trips through SOQL');
      await conn.sobject('Lead').destroy(id);
      await assert.rejects(conn.sobject('Lead').retrieve(id), (e) => e.errorCode === 'ENTITY_IS_DELETED');
    });

    await step('collections in chunks of 200, and a query paged with queryMore', async () => {
      const leads = Array.from({ length: 2100 }, (_, i) => ({ LastName: `Bulk ${i}`, Company: 'Bulk Co' }));
      // One collection call takes at most 200 records, as in Salesforce.
      await assert.rejects(conn.sobject('Lead').create(leads.slice(0, 201)), (e) => e.errorCode === 'EXCEEDED_ID_LIMIT');
      const results = [];
      for (let i = 0; i < leads.length; i += 200) {
        results.push(...await conn.sobject('Lead').create(leads.slice(i, i + 200), { allOrNone: true }));
      }
      assert.equal(results.length, 2100);
      assert.ok(results.every((r) => r.success));
      const first = await conn.query("SELECT Id, LastName FROM Lead WHERE Company = 'Bulk Co'");
      assert.equal(first.totalSize, 2100);
      assert.equal(first.done, false);
      assert.equal(first.records.length, 2000);
      const rest = await conn.queryMore(first.nextRecordsUrl);
      assert.equal(rest.done, true);
      assert.equal(rest.records.length, 100);
      const all = await conn.query("SELECT Id FROM Lead WHERE Company = 'Bulk Co'").run({ autoFetch: true, maxFetch: 5000 });
      assert.equal(all.records.length, 2100, 'autoFetch follows nextRecordsUrl');
    });

    await step('a collection with a partial failure', async () => {
      const results = await conn.sobject('Lead').create(
        [{ LastName: 'Good', Company: 'C' }, { LastName: 'No company' }], { allOrNone: false });
      assert.equal(results[0].success, true);
      assert.equal(results[1].success, false);
      assert.equal(results[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
    });

    await step('describe and limits', async () => {
      const d = await conn.sobject('Lead').describe();
      assert.equal(d.keyPrefix, '00Q');
      assert.ok(d.fields.some((f) => f.name === 'Email' && f.type === 'email'));
      const g = await conn.describeGlobal();
      assert.ok(g.sobjects.some((o) => o.name === 'Opportunity'));
      const limits = await conn.limits();
      assert.ok(limits.DailyApiRequests.Max >= 100000);
      assert.ok(limits.DailyApiRequests.Remaining < limits.DailyApiRequests.Max);
    });

    await step('richer SOQL: child subqueries, semi-joins, aggregates, date literals', async () => {
      const acct = await conn.sobject('Account').create({ Name: 'Subquery Co' });
      await conn.sobject('Contact').create([
        { LastName: 'Alpha', AccountId: acct.id }, { LastName: 'Beta', AccountId: acct.id }], { allOrNone: true });
      const parents = await conn.query(
        `SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '${acct.id}'`);
      assert.deepEqual(parents.records[0].Contacts.records.map((c) => c.LastName), ['Alpha', 'Beta']);
      const joined = await conn.query(
        "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Alpha')");
      assert.deepEqual(joined.records.map((a) => a.Name), ['Subquery Co']);
      const grouped = await conn.query(
        "SELECT Company, COUNT(Id) n FROM Lead WHERE Company = 'Bulk Co' GROUP BY Company HAVING COUNT(Id) > 1");
      assert.equal(grouped.records[0].attributes.type, 'AggregateResult');
      assert.equal(grouped.records[0].n, 2100);
      const recent = await conn.query('SELECT COUNT() FROM Account WHERE CreatedDate = THIS_MONTH');
      assert.ok(recent.totalSize >= 1);
      const d = await conn.sobject('Account').describe();
      const contacts = d.childRelationships.find((r) => r.relationshipName === 'Contacts');
      assert.equal(contacts.childSObject, 'Contact');
      assert.equal(contacts.field, 'AccountId');
    });

    await step('composite with references, composite batch and sObject tree', async () => {
      const v = '/services/data/v59.0';
      const composite = await conn.requestPost(`${v}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Composite Co' } },
          { method: 'POST', url: `${v}/sobjects/Contact`, referenceId: 'kid',
            body: { LastName: 'Composite', AccountId: '@{acct.id}' } },
          { method: 'GET', url: `${v}/sobjects/Contact/@{kid.id}?fields=AccountId`, referenceId: 'read' },
        ],
      });
      const [acct, kid, read] = composite.compositeResponse;
      assert.equal(acct.httpStatusCode, 201);
      assert.equal(kid.httpStatusCode, 201);
      assert.equal(read.body.AccountId, acct.body.id);
      const rolledBack = await conn.requestPost(`${v}/composite`, {
        allOrNone: true,
        compositeRequest: [
          { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Rolled back' } },
          { method: 'POST', url: `${v}/sobjects/Lead`, referenceId: 'bad', body: { LastName: 'No company' } },
        ],
      });
      assert.equal(rolledBack.compositeResponse[0].body[0].errorCode, 'PROCESSING_HALTED');
      const gone = await conn.query("SELECT Id FROM Account WHERE Name = 'Rolled back'");
      assert.equal(gone.totalSize, 0);
      const batch = await conn.requestPost(`${v}/composite/batch`, {
        batchRequests: [{ method: 'GET', url: 'v59.0/limits' }, { method: 'GET', url: `v59.0/sobjects/Account/${acct.body.id}` }],
      });
      assert.equal(batch.hasErrors, false);
      assert.equal(batch.results[1].result.Name, 'Composite Co');
      const tree = await conn.requestPost(`${v}/composite/tree/Account`, {
        records: [{ attributes: { type: 'Account', referenceId: 'root' }, Name: 'Tree Co',
          Contacts: { records: [{ attributes: { type: 'Contact', referenceId: 'leaf' }, LastName: 'Leaf' }] } }],
      });
      assert.equal(tree.hasErrors, false);
      assert.deepEqual(tree.results.map((r) => r.referenceId), ['root', 'leaf']);
    });

    await step('SOAP partner calls: convertLead, getUserInfo, getServerTimestamp', async () => {
      const made = await conn.sobject('Lead').create({ LastName: 'Convert', Company: 'Convert Co', Email: 'convert@x.example' });
      const [converted, refused] = await conn.soap.convertLead([
        { leadId: made.id, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: false, opportunityName: 'Deal' },
        { leadId: made.id, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: true },
      ]);
      assert.equal(converted.success, true, JSON.stringify(converted));
      assert.equal(converted.leadId, made.id);
      const lead = await conn.sobject('Lead').retrieve(made.id);
      assert.equal(lead.IsConverted, true);
      assert.equal(lead.ConvertedAccountId, converted.accountId);
      assert.equal(lead.ConvertedContactId, converted.contactId);
      assert.equal(lead.ConvertedOpportunityId, converted.opportunityId);
      const opportunity = await conn.sobject('Opportunity').retrieve(converted.opportunityId);
      assert.equal(opportunity.Name, 'Deal');
      assert.equal(refused.success, false);
      assert.equal(refused.errors[0].statusCode, 'CANNOT_UPDATE_CONVERTED_LEAD');
      const info = await conn.soap.getUserInfo();
      assert.equal(info.userName, 'admin@crmsim.example');
      assert.equal(info.organizationId, sf.org_id);
      const stamp = await conn.soap.getServerTimestamp();
      assert.ok(!Number.isNaN(Date.parse(stamp.timestamp)), stamp.timestamp);
      await assert.rejects(conn.soap.emptyRecycleBin([made.id]), /NOT_EMULATED/);
    });

    await step('Bulk API 2.0: an ingest job and a query job', async () => {
      conn.bulk2.pollInterval = 200;
      const records = [];
      for (let i = 0; i < 250; i++) records.push({ LastName: `Ingest ${i}`, Company: `Bulk, ${i} Inc`, Email: `bulk${i}@x.example` });
      records.push({ LastName: 'NoCompany' });
      const loaded = await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'insert', input: records });
      assert.equal(loaded.successfulResults.length, 250);
      assert.equal(loaded.failedResults.length, 1);
      assert.match(loaded.failedResults[0].sf__Error, /^REQUIRED_FIELD_MISSING/);
      assert.equal(loaded.unprocessedRecords.length, 0);
      const first = loaded.successfulResults.find((r) => r.LastName === 'Ingest 0');
      assert.equal(first.sf__Created, 'true');
      const lead = await conn.sobject('Lead').retrieve(first.sf__Id);
      assert.equal(lead.Company, 'Bulk, 0 Inc');
      const stream = await conn.bulk2.query("SELECT Id, LastName, Company FROM Lead WHERE LastName LIKE 'Ingest %'");
      const rows = [];
      await new Promise((resolve, reject) => {
        stream.on('record', (r) => rows.push(r));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      assert.equal(rows.length, 250);
      assert.ok(rows.some((r) => r.Company === 'Bulk, 249 Inc'));
      const limits = await conn.limits();
      assert.ok(limits.DailyBulkApiBatches.Remaining < limits.DailyBulkApiBatches.Max);
      assert.ok(limits.DailyBulkV2QueryJobs.Remaining < limits.DailyBulkV2QueryJobs.Max);
    });

    await step('SOSL: search and parameterizedSearch', async () => {
      const found = await conn.search("FIND {Ingest 24*} IN NAME FIELDS RETURNING Lead(Id, LastName WHERE Email LIKE 'bulk%' ORDER BY LastName LIMIT 5)");
      assert.deepEqual(found.searchRecords.map((r) => r.LastName), ['Ingest 24', 'Ingest 240', 'Ingest 241', 'Ingest 242', 'Ingest 243']);
      assert.equal(found.searchRecords[0].attributes.type, 'Lead');
      const param = await conn.request({ method: 'POST', url: '/services/data/v59.0/parameterizedSearch',
        body: JSON.stringify({ q: 'Ingest 7', sobjects: [{ name: 'Lead', fields: ['LastName'] }] }),
        headers: { 'Content-Type': 'application/json' } });
      assert.deepEqual(param.searchRecords.map((r) => r.LastName), ['Ingest 7']);
      await assert.rejects(conn.search('FIND {x}'), (e) => e.errorCode === 'INVALID_SEARCH');
    });

    await step('selective sync: the integration user sees only what sharing grants', async () => {
      const sync = new jsforce.Connection({ loginUrl: sf.login_url, version: '59.0' });
      await sync.login('sync@acme.example', 'sync-pw');
      const rows = await sync.query('SELECT Id, LastName, Rating FROM Lead');
      assert.deepEqual(rows.records.map((r) => r.LastName), ['Shared']);
      const hidden = await conn.query("SELECT Id FROM Lead WHERE LastName = 'Hidden'");
      await assert.rejects(sync.sobject('Lead').retrieve(hidden.records[0].Id), (e) => e.errorCode === 'NOT_FOUND');
    });

    await step('errors carry the real codes', async () => {
      await assert.rejects(conn.query('SELECT Id FROM'), (e) => e.errorCode === 'MALFORMED_QUERY');
      await assert.rejects(conn.query('SELECT Nope FROM Lead'), (e) => e.errorCode === 'INVALID_FIELD');
      await assert.rejects(conn.sobject('Lead').create({ LastName: 'x', Company: 'y', Status: 'Bogus' }).then((r) => {
        if (!r.success) throw Object.assign(new Error(r.errors[0].message), { errorCode: r.errors[0].statusCode });
      }), (e) => e.errorCode === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    });
  } finally {
    child.kill('SIGTERM');
  }
}

main().then(() => console.log('all jsforce checks passed'), (e) => {
  console.error('FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
