import { exampleSuite } from './suite.js';

exampleSuite('examples/fastify-api', 'fastify-api/server.js');
