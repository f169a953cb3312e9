import { describeHttpBehaviour } from './http-behaviour.js';

describeHttpBehaviour('fastify');
