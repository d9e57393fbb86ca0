import { execFileSync } from 'child_process';

/**
 * The `DATABASE_URL` of a server started on fresh data: empty, for SQLite in the server's data
 * folder, unless `STEELCHECK_E2E_POSTGRES` names a PostgreSQL server (the test script's second
 * run), on which a new database is made. Its name starts like the integration tests' databases,
 * so the test script drops it with theirs.
 */
export function freshDatabaseUrl(label: string): string {
  const server = process.env.STEELCHECK_E2E_POSTGRES;
  if (!server) return '';
  const run = process.env.STEELCHECK_TEST_RUN ?? 'local';
  const name = `steelcheck_t_${run}_e2e_${label}_${Date.now()}`;
  execFileSync('psql', [`${server}/postgres`, '-qc', `CREATE DATABASE ${name}`]);
  return `${server}/${name}`;
}
