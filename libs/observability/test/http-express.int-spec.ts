import { describeHttpBehaviour } from './http-behaviour.js';

describeHttpBehaviour('express');
