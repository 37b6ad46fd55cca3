// Runs the official @hubspot/api-client, unchanged, against `crmsim serve`:
// create, getById by email, batch upsert, search with filters and paging,
// associations, lists and memberships, custom object schemas, products
// and line items, a burst that hits the 10-second limit and completes
// thanks to the client's own retry, and a scripted 503 (POST /__admin/faults)
// that the same retry rides out, and signed webhooks checked by the
// library's own Signature.isValid.
// Usage: node hubspot_api_client.cjs CRMSIM PORTAL_FILE
'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const assert = require('node:assert/strict');
const hubspot = require('@hubspot/api-client');

const [crmsim, portalFile] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer() {
  const child = spawn(crmsim, ['serve', '--hubspot-portal', portalFile, '--admin-token', 'admin-t'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const hs = info.hubspot;
  const client = new hubspot.Client({ accessToken: hs.access_token, basePath: hs.base_url, numberOfApiCallRetries: 3 });
  try {
    // First, while the 10-second window is empty: 5 pass, 3 wait one window.
    await step('a burst past the 10-second limit completes through the client retry', async () => {
      const limits = await fetch(`${hs.base_url}/__admin/limits`, { method: 'POST',
        headers: { 'X-Admin-Token': 'admin-t' }, body: JSON.stringify({ per_ten_seconds: 5 }) });
      assert.equal(limits.status, 200);
      const journalBefore = await (await fetch(`${hs.base_url}/__admin/journal`, { headers: { 'X-Admin-Token': 'admin-t' } })).json();
      const pages = await Promise.all(Array.from({ length: 8 }, () => client.crm.contacts.basicApi.getPage(1)));
      assert.equal(pages.length, 8);
      const journal = await (await fetch(`${hs.base_url}/__admin/journal?since=${journalBefore.total}`,
        { headers: { 'X-Admin-Token': 'admin-t' } })).json();
      const refused = journal.calls.filter((c) => c.status === 429).length;
      assert.ok(refused >= 3, `expected the burst to be throttled, saw ${refused} 429s`);
      await fetch(`${hs.base_url}/__admin/limits`, { method: 'POST', headers: { 'X-Admin-Token': 'admin-t' },
        body: JSON.stringify({ per_ten_seconds: 190 }) });
    });

    await step('faults on demand: the 4th create answers 503 once, the client retry recovers, the journal shows it', async () => {
      const admin = { 'X-Admin-Token': 'admin-t' };
      const set = await fetch(`${hs.base_url}/__admin/faults`, { method: 'POST', headers: admin,
        body: JSON.stringify({ rules: [{ route: 'POST /crm/v3/objects/contacts', skip: 3, times: 1, status: 503,
          body: { status: 'error', message: 'scripted outage', category: 'SERVICE_UNAVAILABLE' } }] }) });
      assert.equal(set.status, 200);
      const before = (await (await fetch(`${hs.base_url}/__admin/journal/count`, { headers: admin })).json()).total;
      for (let i = 0; i < 5; i++) {
        const made = await client.crm.contacts.basicApi.create({ properties: { email: `retry${i}@faults.test` }, associations: [] });
        assert.equal(made.properties.email, `retry${i}@faults.test`);
      }
      const faulted = await (await fetch(`${hs.base_url}/__admin/journal?since=${before}&fault=any`, { headers: admin })).json();
      assert.equal(faulted.calls.length, 1);
      assert.equal(faulted.calls[0].status, 503);
      assert.equal(faulted.calls[0].fault, 'rule 0: status 503');
      const creates = await (await fetch(`${hs.base_url}/__admin/journal/count?since=${before}&method=POST&route=/crm/v3/objects/contacts`,
        { headers: admin })).json();
      assert.equal(creates.count, 6, 'five creates and the one retry');
      const state = await (await fetch(`${hs.base_url}/__admin/faults`, { method: 'DELETE', headers: admin })).json();
      assert.equal(state.active, false);
    });

    let contactId;
    await step('create a contact and read it back by email', async () => {
      const created = await client.crm.contacts.basicApi.create({
        properties: { email: 'Grace@Navy.example', firstname: 'Grace', lifecyclestage: 'subscriber' }, associations: [] });
      contactId = created.id;
      assert.equal(created.properties.email, 'grace@navy.example');
      const byEmail = await client.crm.contacts.basicApi.getById('grace@navy.example', ['email', 'lifecyclestage'],
        undefined, undefined, false, 'email');
      assert.equal(byEmail.id, contactId);
      assert.equal(byEmail.properties.lifecyclestage, 'subscriber');
      await assert.rejects(client.crm.contacts.basicApi.create({ properties: { email: 'grace@navy.example' }, associations: [] }),
        (e) => e.code === 409 && /Contact already exists/.test(e.body.message));
    });

    await step('batch upsert by email', async () => {
      const result = await client.crm.contacts.batchApi.upsert({ inputs: [
        { id: 'grace@navy.example', idProperty: 'email', properties: { lastname: 'Hopper' } },
        { id: 'alan@bletchley.example', idProperty: 'email', properties: { firstname: 'Alan', lifecyclestage: 'marketingqualifiedlead' } }] });
      assert.equal(result.results.length, 2);
      const created = result.results.find((r) => r.properties.email === 'alan@bletchley.example' || r._new);
      assert.ok(created, 'the new contact is in the results');
    });

    await step('search with filters, sorting and paging', async () => {
      await sleep(1200);  // the portal's search index lags writes by 1 s
      const request = { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*.example' }] }],
        sorts: ['email'], properties: ['email', 'lifecyclestage'], limit: 2, after: '0' };
      const first = await client.crm.contacts.searchApi.doSearch(request);
      assert.equal(first.total, 3);
      assert.deepEqual(first.results.map((r) => r.properties.email), ['ada@acme.example', 'alan@bletchley.example']);
      const second = await client.crm.contacts.searchApi.doSearch({ ...request, after: first.paging.next.after });
      assert.deepEqual(second.results.map((r) => r.properties.email), ['grace@navy.example']);
    });

    await step('associations v4 and the auto-created company', async () => {
      const companies = await client.crm.companies.basicApi.getPage(10);
      const acme = companies.results.find((c) => c.properties.domain === 'acme.example');
      assert.ok(acme, 'a company was created from the email domain');
      const company = await client.crm.companies.basicApi.create({ properties: { name: 'Navy', domain: 'navy.example' }, associations: [] });
      await client.crm.associations.v4.basicApi.createDefault('contacts', contactId, 'companies', company.id);
      const links = await client.crm.associations.v4.basicApi.getPage('contacts', contactId, 'companies');
      assert.ok(links.results.some((l) => String(l.toObjectId) === company.id));
    });

    await step('associations v4: batches and labels', async () => {
      const a = await client.crm.contacts.basicApi.create({ properties: { email: 'assoc-a@acme.example' }, associations: [] });
      const company = await client.crm.companies.basicApi.create({ properties: { name: 'Labelled Co' }, associations: [] });
      const created = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
        inputs: [{ _from: { id: a.id }, to: { id: company.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }] });
      assert.equal(created.status, 'COMPLETE');
      assert.deepEqual(created.results[0].labels, ['Primary']);
      const defs = client.crm.associations.v4.schema.definitionsApi;
      const label = await defs.create('contacts', 'companies', { label: 'Champion', name: 'champion' });
      const championId = label.results[0].typeId;
      const all = await defs.getAll('contacts', 'companies');
      assert.ok(all.results.some((d) => d.typeId === championId && d.label === 'Champion' && d.category === 'USER_DEFINED'));
      await client.crm.associations.v4.basicApi.create('contacts', a.id, 'companies', company.id,
        [{ associationCategory: 'USER_DEFINED', associationTypeId: championId }]);
      const read = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: a.id }] });
      const link = read.results[0].to.find((t) => String(t.toObjectId) === company.id);
      const types = link.associationTypes.map((t) => t.label);
      assert.ok(types.includes('Champion') && types.includes('Primary'));
      await defs.remove('contacts', 'companies', championId);
      await client.crm.associations.v4.batchApi.archive('contacts', 'companies', {
        inputs: [{ _from: { id: a.id }, to: [{ id: company.id }] }] });
      const left = await client.crm.associations.v4.basicApi.getPage('contacts', a.id, 'companies');
      assert.ok(!left.results.some((l) => String(l.toObjectId) === company.id));
    });

    await step('lists and memberships', async () => {
      const created = await client.crm.lists.listsApi.create({ name: 'VIPs', objectTypeId: '0-1', processingType: 'MANUAL' });
      const listId = created.list.listId;
      const added = await client.crm.lists.membershipsApi.add(listId, [contactId]);
      assert.deepEqual(added.recordsIdsAdded.map(String), [contactId]);
      const members = await client.crm.lists.membershipsApi.getPage(listId);
      assert.deepEqual(members.results.map((m) => String(m.recordId)), [contactId]);
      const mqls = await client.crm.lists.listsApi.getByName('MQLs', '0-1');
      assert.equal(Number(mqls.list.size), 1, 'the dynamic list picked up the MQL');
    });

    await step('owners, paged, with their teams', async () => {
      const first = await client.crm.owners.ownersApi.getPage(undefined, undefined, 1);
      assert.equal(first.results.length, 1);
      assert.ok(first.paging && first.paging.next.after, 'a second owner means a next page');
      const rest = await client.crm.owners.ownersApi.getPage(undefined, first.paging.next.after, 100);
      const all = first.results.concat(rest.results);
      const lead = all.find((o) => o.email === 'lead@acme.example');
      assert.ok(lead, 'the seeded owner is listed');
      assert.deepEqual(lead.teams.map((t) => [t.name, t.primary]), [['EMEA', true], ['Enterprise', false]]);
      const byUser = await client.crm.owners.ownersApi.getById(lead.userId, 'userId');
      assert.equal(byUser.id, lead.id);
    });

    await step('pipelines and stages: create, read, update, delete', async () => {
      const api = client.crm.pipelines;
      const created = await api.pipelinesApi.create('deals', {
        label: 'Renewals', displayOrder: 1,
        stages: [{ label: 'Open', displayOrder: 0, metadata: { probability: '0.4' } },
                 { label: 'Won', displayOrder: 1, metadata: { probability: '1.0' } }],
      });
      assert.equal(created.stages.length, 2);
      assert.ok(created.createdAt instanceof Date);
      const stage = await api.pipelineStagesApi.create('deals', created.id,
        { label: 'Negotiation', displayOrder: 1, metadata: { probability: '0.8' } });
      const patched = await api.pipelineStagesApi.update('deals', created.id, stage.id, { label: 'Negotiating' });
      assert.equal(patched.metadata.probability, '0.8');
      const stages = await api.pipelineStagesApi.getAll('deals', created.id);
      assert.deepEqual(stages.results.map((s) => s.label), ['Open', 'Negotiating', 'Won']);
      const renamed = await api.pipelinesApi.update('deals', created.id, { label: 'Renewals 2027' });
      assert.equal(renamed.label, 'Renewals 2027');
      const all = await api.pipelinesApi.getAll('deals');
      assert.deepEqual(all.results.map((p) => p.label), ['Sales Pipeline', 'Renewals 2027']);
      await assert.rejects(api.pipelinesApi.create('deals', { label: 'Bad', displayOrder: 2,
        stages: [{ label: 'A', displayOrder: 0, metadata: {} }] }), (e) => e.code === 400);
      await api.pipelineStagesApi.archive('deals', created.id, stage.id);
      await api.pipelinesApi.archive('deals', created.id);
      await assert.rejects(api.pipelinesApi.getById('deals', created.id), (e) => e.code === 404);
    });

    await step('properties and groups: create, update, batch, archive', async () => {
      const props = client.crm.properties;
      const group = await props.groupsApi.create('contacts', { name: 'revops', label: 'RevOps', displayOrder: 2 });
      assert.equal(group.name, 'revops');
      const created = await props.coreApi.create('contacts', {
        name: 'region', label: 'Region', type: 'enumeration', fieldType: 'select', groupName: 'revops',
        options: [{ label: 'EMEA', value: 'emea', hidden: false }, { label: 'APAC', value: 'apac', hidden: false }],
      });
      assert.equal(created.options.length, 2);
      await assert.rejects(props.coreApi.create('contacts', { name: 'region', label: 'R', type: 'string', fieldType: 'text', groupName: 'revops' }),
        (e) => e.code === 409);
      const updated = await props.coreApi.update('contacts', 'region', { label: 'Sales region' });
      assert.equal(updated.label, 'Sales region');
      await assert.rejects(props.coreApi.update('contacts', 'email', { label: 'Mail' }), (e) => e.code === 400);
      const batch = await props.batchApi.create('contacts', { inputs: [
        { name: 'seats', label: 'Seats', type: 'number', fieldType: 'number', groupName: 'revops' }] });
      assert.equal(batch.results[0].name, 'seats');
      const read = await props.batchApi.read('contacts', { archived: false, inputs: [{ name: 'seats' }, { name: 'region' }] });
      assert.equal(read.results.length, 2);
      await client.crm.contacts.basicApi.create({ properties: { email: 'grace@acme.example', region: 'apac', seats: '12' }, associations: [] });
      await props.batchApi.archive('contacts', { inputs: [{ name: 'seats' }] });
      await props.coreApi.archive('contacts', 'region');
      const archived = await props.coreApi.getAll('contacts', true);
      assert.deepEqual(archived.results.map((p) => p.name).sort(), ['region', 'seats']);
      await props.groupsApi.archive('contacts', 'revops');
      await assert.rejects(props.groupsApi.getByName('contacts', 'revops'), (e) => e.code === 404);
    });

    await step('custom object schemas: create, records, update, associations, archive', async () => {
      const schemas = client.crm.schemas.coreApi;
      const made = await schemas.create({
        name: 'cars',
        labels: { singular: 'Car', plural: 'Cars' },
        requiredProperties: ['vin'],
        primaryDisplayProperty: 'model',
        associatedObjects: ['CONTACT'],
        properties: [
          { name: 'vin', label: 'VIN', type: 'string', fieldType: 'text', hasUniqueValue: true },
          { name: 'model', label: 'Model', type: 'string', fieldType: 'text' },
        ],
      });
      assert.match(made.objectTypeId, /^2-\d+$/);
      assert.equal(made.associations.length, 1);
      const all = await schemas.getAll();
      assert.ok(all.results.some((s) => s.name === 'cars'));
      const car = await client.crm.objects.basicApi.create(made.objectTypeId, { properties: { vin: 'V1', model: 'Model 3' }, associations: [] });
      const read = await client.crm.objects.basicApi.getById('cars', car.id, ['model']);
      assert.equal(read.properties.model, 'Model 3');
      const patched = await schemas.update('cars', { labels: { singular: 'Vehicle', plural: 'Vehicles' } });
      assert.equal(patched.labels.singular, 'Vehicle');
      const link = await schemas.createAssociation('cars', { fromObjectTypeId: made.objectTypeId, toObjectTypeId: '0-3', name: 'car_deal' });
      await schemas.archiveAssociation('cars', link.id);
      await assert.rejects(schemas.archive('cars'), (e) => e.code === 400);
      await client.crm.objects.basicApi.archive('cars', car.id);
      await schemas.archive('cars');
      await assert.rejects(schemas.getById('cars'), (e) => e.code === 404);
    });

    await step('products and line items on a deal', async () => {
      const product = await client.crm.products.basicApi.create({
        properties: { name: 'Seat', price: '100', hs_sku: 'SEAT-1', description: 'One seat' }, associations: [] });
      assert.equal(product.properties.name, 'Seat');
      const deal = await client.crm.deals.basicApi.create({ properties: { dealname: 'Seats for Acme' }, associations: [] });
      const item = await client.crm.lineItems.basicApi.create({
        properties: { hs_product_id: product.id, quantity: '3' },
        associations: [{ to: { id: deal.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 20 }] }] });
      const read = await client.crm.lineItems.basicApi.getById(item.id, ['name', 'price', 'hs_sku', 'amount']);
      assert.equal(read.properties.name, 'Seat');
      assert.equal(read.properties.hs_sku, 'SEAT-1');
      assert.equal(read.properties.amount, '300.00');
      await client.crm.lineItems.basicApi.update(item.id, { properties: { quantity: '4' } });
      assert.equal((await client.crm.lineItems.basicApi.getById(item.id, ['amount'])).properties.amount, '400.00');
      const links = await client.crm.associations.v4.basicApi.getPage('deals', deal.id, 'line_items');
      assert.deepEqual(links.results.map((l) => String(l.toObjectId)), [item.id]);
      await assert.rejects(client.crm.lineItems.basicApi.create({ properties: { hs_product_id: '1', quantity: '1' }, associations: [] }),
        (e) => e.code === 400);
      await sleep(1200);  // the search index lags writes by 1 s
      const found = await client.crm.lineItems.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'hs_product_id', operator: 'EQ', value: product.id }] }],
        properties: ['quantity'], limit: 10, after: '0', sorts: [] });
      assert.equal(found.total, 1);
      assert.equal(found.results[0].properties.quantity, '4');
    });

    await step('signed webhooks: the client library\'s Signature.isValid accepts v3 and v1, and refuses a tampered body', async () => {
      const http = require('node:http');
      const deliveries = [];
      const receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => { body += chunk; });
        req.on('end', () => { deliveries.push({ headers: req.headers, body, path: req.url }); res.writeHead(204); res.end(); });
      });
      await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
      try {
        const configured = await fetch(`${hs.base_url}/__admin/webhooks`, { method: 'POST', headers: { 'X-Admin-Token': 'admin-t' },
          body: JSON.stringify({ target_url: url, client_secret: 'my-app-client-secret',
            subscriptions: [{ event_type: 'contact.creation' }] }) });
        assert.equal(configured.status, 200);
        await client.crm.contacts.basicApi.create({ properties: { email: 'signed@hooks.test' }, associations: [] });
        for (let i = 0; i < 200 && deliveries.length === 0; i++) await sleep(50);
        assert.ok(deliveries.length > 0, 'a delivery arrived');
        const d = deliveries[0];
        const timestamp = Number(d.headers['x-hubspot-request-timestamp']);
        assert.ok(hubspot.Signature.isValid({ signatureVersion: 'v3', signature: d.headers['x-hubspot-signature-v3'],
          clientSecret: 'my-app-client-secret', requestBody: d.body, url, method: 'POST', timestamp }), 'v3');
        assert.equal(d.headers['x-hubspot-signature-version'], 'v1');
        assert.ok(hubspot.Signature.isValid({ signatureVersion: 'v1', signature: d.headers['x-hubspot-signature'],
          clientSecret: 'my-app-client-secret', requestBody: d.body }), 'v1');
        assert.ok(!hubspot.Signature.isValid({ signatureVersion: 'v3', signature: d.headers['x-hubspot-signature-v3'],
          clientSecret: 'my-app-client-secret', requestBody: d.body.replace('"objectId":', '"objectId":9'), url, method: 'POST', timestamp }),
        'a tampered body fails');
        assert.ok(!hubspot.Signature.isValid({ signatureVersion: 'v3', signature: d.headers['x-hubspot-signature-v3'],
          clientSecret: 'another-secret', requestBody: d.body, url, method: 'POST', timestamp }), 'another secret fails');
      } finally {
        receiver.close();
      }
    });

  } finally {
    child.kill('SIGTERM');
  }
}

main().then(() => console.log('all @hubspot/api-client checks passed'), (e) => {
  console.error('FAILED:', e && e.stack ? e.stack : e, e && e.body ? JSON.stringify(e.body) : '');
  process.exit(1);
});
