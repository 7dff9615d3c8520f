import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../../examples/ecommerce/demo-args.js';

describe('the demo flags', () => {
  it('default to the default data set on the demo namespace', () => {
    expect(parseDemoArgs([])).toMatchObject({
      scale: 1,
      size: { users: 1000, products: 2000, orders: 5000 },
      namespace: 'polystore_demo',
      json: false,
      keep: false,
    });
  });

  it('multiply every count by --scale and take a --namespace', () => {
    expect(parseDemoArgs(['--scale', '10', '--namespace', 'demo_s10', '--json'])).toMatchObject({
      scale: 10,
      size: { users: 10_000, products: 20_000, orders: 50_000 },
      namespace: 'demo_s10',
      json: true,
    });
  });

  it.each([
    [['--scale', '0'], '--scale'],
    [['--scale', '2.5'], '--scale'],
    [['--scale', 'ten'], '--scale'],
    [['--scale', '1001'], '--scale'],
    [['--scale', '2', '--small'], '--scale'],
    [['--namespace', 'Demo'], '--namespace'],
    [['--namespace', 'a-b'], '--namespace'],
    [['--namespace', '1st'], '--namespace'],
    [['--data-dir', ''], '--data-dir'],
    [['--scael', '10'], 'argv'],
  ])('refuse %j naming %s and the fix', (argv, field) => {
    expect(() => parseDemoArgs(argv)).toThrow(
      expect.objectContaining({ code: 'PS_ERR_INVALID_ARGUMENT', field, fix: expect.any(String) }),
    );
  });
});
