import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, MigrationError } from '../../src/db/migrate';
import { useStack } from '../support/stack';

/** The migration runner against a real Postgres, with migration folders made up for each case. */
describe('migrate', () => {
  const stack = useStack({ db: true });

  function migrationsDir(migrations: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-migrations-'));
    for (const [name, sql] of Object.entries(migrations)) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
    }
    return dir;
  }

  it('the template database holds every migration in the repository, recorded as Prisma records them', async () => {
    const { rows } = await stack.db.pool.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    const folders = fs.readdirSync(path.join(__dirname, '..', '..', 'prisma', 'migrations')).filter((f) => /^\d+_/.test(f));
    expect(rows.map((r) => r.migration_name)).toEqual(folders.sort());
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).not.toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it('applies pending migrations in order once, however many processes run it at the same time', async () => {
    const dir = migrationsDir({
      '20990101000000_a': 'CREATE TABLE migrate_test_a (id int);',
      '20990101000001_b': 'ALTER TABLE migrate_test_a ADD COLUMN b int;',
    });
    const results = await Promise.all([migrate(stack.db.pool, dir), migrate(stack.db.pool, dir), migrate(stack.db.pool, dir)]);
    expect(results.flat().sort()).toEqual(['20990101000000_a', '20990101000001_b']);
    expect(await migrate(stack.db.pool, dir)).toEqual([]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const dir = migrationsDir({ '20990102000000_c': 'CREATE TABLE migrate_test_c (id int);' });
    await migrate(stack.db.pool, dir);
    fs.writeFileSync(path.join(dir, '20990102000000_c', 'migration.sql'), 'CREATE TABLE migrate_test_c (id bigint);');
    await expect(migrate(stack.db.pool, dir)).rejects.toThrow(/20990102000000_c was edited/);
  });

  it('rolls a failing migration back, records the failure, and refuses to go on until it is resolved', async () => {
    const dir = migrationsDir({ '20990103000000_d': 'CREATE TABLE migrate_test_d (id int); SELECT no_such_function();' });
    await expect(migrate(stack.db.pool, dir)).rejects.toBeInstanceOf(MigrationError);
    const table = await stack.db.pool.query("SELECT to_regclass('migrate_test_d') AS t");
    expect(table.rows[0].t).toBeNull();
    const { rows } = await stack.db.pool.query("SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '20990103000000_d'");
    expect(rows[0].finished_at).toBeNull();
    expect(rows[0].logs).toMatch(/no_such_function/);
    await expect(migrate(stack.db.pool, migrationsDir({}))).rejects.toThrow(/failed earlier/);
  });
});
