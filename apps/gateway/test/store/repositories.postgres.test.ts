import { repositorySuite } from './repository-suite.ts';
import { openPostgresTestDatabase } from './test-databases.ts';

repositorySuite('Postgres', openPostgresTestDatabase);
