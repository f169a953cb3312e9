import { describeApi } from './api-behaviour.js';

describeApi('fastify');
