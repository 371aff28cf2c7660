import { repositorySuite } from './repository-suite.ts';
import { openPgliteTestDatabase } from './test-databases.ts';

repositorySuite('PGlite', openPgliteTestDatabase);
