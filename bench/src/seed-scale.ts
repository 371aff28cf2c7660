import { openDatabase } from '@relay/gateway/store';
import { sql } from 'drizzle-orm';

/**
 * Fills the gateway's database with unrelated tenants before the gateway starts, so the benchmark can
 * show that per-request cost does not grow with the number of keys and accounts. Direct SQL (one
 * statement per table with generate_series) because 100 000 admin API calls would take minutes.
 */
export async function seedScale(options: {
  dataDir: string;
  databaseUrl?: string;
  keys: number;
  accounts: number;
}): Promise<void> {
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const { keys, accounts } = options;
  try {
    const statements = [
      sql`insert into users (id, name) select 'usr_fill' || g, 'filler ' || g from generate_series(1, 1000) g on conflict do nothing`,
      sql`insert into groups (id, name, platform) select 'grp_fill' || g, 'filler-' || g, 'openai' from generate_series(1, 100) g on conflict do nothing`,
      sql`insert into accounts (id, name, platform, base_url, credential_ciphertext, credential_fingerprint)
          select 'acc_fill' || g, 'filler ' || g, 'openai', 'http://127.0.0.1:9/v1', 'v1.x.x.x', 'sk-…fill'
          from generate_series(1, ${accounts}::int) g on conflict do nothing`,
      sql`insert into account_groups (id, account_id, group_id)
          select 'agb_fill' || g, 'acc_fill' || g, 'grp_fill' || (1 + g % 100)
          from generate_series(1, ${accounts}::int) g on conflict do nothing`,
      sql`insert into api_keys (id, user_id, group_id, name, key_prefix, key_hash)
          select 'key_fill' || g, 'usr_fill' || (1 + g % 1000), 'grp_fill' || (1 + g % 100), 'filler', 'sk-relay-fill',
                 md5('k' || g) || md5('h' || g)
          from generate_series(1, ${keys}::int) g on conflict do nothing`,
    ];
    for (const statement of statements) await database.db.execute(statement);
  } finally {
    await database.close();
  }
}
