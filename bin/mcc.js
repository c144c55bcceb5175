#!/usr/bin/env node
import { main } from '../dist/src/cli/mcc.js';

await main(process.argv);
