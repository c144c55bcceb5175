#!/usr/bin/env node
import { main } from '../dist/src/cli/create.js';

await main(process.argv);
