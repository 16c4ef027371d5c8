import { exampleSuite } from './suite.js';

exampleSuite('examples/express-api', 'express-api/server.js');
