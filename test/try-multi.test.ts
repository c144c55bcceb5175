/** Multi-tenant end to end: one SQLite database per domain, each migrated once. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { expectTwoReleases, migrationsIn, tryTwice } from './try-helpers.js';

describe('mcc try, multi-tenant', () => {
  it('deploys the example twice: each domain migrated exactly once', async () => {
    const domains = ['a.example.com', 'b.example.com', 'c.example.com'];
    const { sandbox, first, second } = await tryTwice([
      '--tenancy',
      'multi',
      '--domains',
      domains.join(','),
    ]);
    expectTwoReleases(sandbox);
    for (const domain of domains) {
      expect(first.stdout).toContain(`${domain}: applied 0001_initial`);
      expect(await migrationsIn(join(sandbox, 'domains', domain, 'notes_api.db'))).toEqual([
        '0001_initial',
      ]);
    }
    expect(second.stdout).toContain('every database is up to date');
    expect(second.stdout).toContain('answered 200');
  });
});
