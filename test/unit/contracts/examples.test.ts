/**
 * The worked examples of docs/contracts.md (docs/examples/): the same OrderDelivered event put with the
 * AWS SDK for Java, boto3 and the AWS CLI. The JSON each one produces is the same detail, valid against
 * the generated schema and the CLI's check; the docs quote each file as it is.
 */

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { entryProblems } from '../../../cli/events.js';
import { triggersOf } from '../../../functions/domain/program.js';
import { demoCatalog } from '../../fixtures/catalog.js';

const read = (file: string) => readFileSync(`docs/examples/${file}`, 'utf8');
const ajv = new Ajv2020({ strict: true });
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync('docs/schemas/events/shop.orders.OrderDelivered.schema.json', 'utf8')));

const detail = JSON.parse(read('order-delivered.detail.json'));
/** The detail each example sends, taken from its source as the language would produce it. */
const produced = {
  java: JSON.parse(/String detail = """\n([\s\S]*?)"""/.exec(read('PutOrderDelivered.java'))![1]!),
  // The Python dict literal is JSON-compatible (no True/None); json.dumps gives the same JSON.
  python: JSON.parse(/^detail = (\{[\s\S]*?^\})$/m.exec(read('put_order_delivered.py'))![1]!),
  cli: JSON.parse(JSON.parse(read('order-delivered.entries.json'))[0].Detail),
};

describe('the worked examples (docs/examples/)', () => {
  it.each(Object.entries(produced))('%s puts the same detail, valid against docs/schemas/events/shop.orders.OrderDelivered.schema.json', (_language, sent) => {
    expect(sent).toEqual(detail);
    const event = { source: 'shop.orders', 'detail-type': 'OrderDelivered', detail: sent };
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the AWS CLI entries file passes `closeloop events validate` with the demo catalog', () => {
    const [entry] = JSON.parse(read('order-delivered.entries.json'));
    expect(entryProblems(entry, triggersOf(demoCatalog))).toEqual([]);
    expect(entryProblems({ ...entry, DetailType: 'OrderShipped' }, triggersOf(demoCatalog))).toEqual([
      'no survey program of the catalog starts or cancels on Source "shop.orders" and DetailType "OrderShipped"',
    ]);
  });

  it('is quoted in docs/contracts.md as the files hold it', () => {
    const contracts = readFileSync('docs/contracts.md', 'utf8');
    for (const file of ['PutOrderDelivered.java', 'put_order_delivered.py', 'order-delivered.entries.json']) {
      expect(contracts, `docs/contracts.md does not quote docs/examples/${file}`).toContain(read(file).trimEnd());
    }
  });
});
