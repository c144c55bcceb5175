#!/usr/bin/env node
import { main } from '../dist/cli/mcc.js';

await main(process.argv);
