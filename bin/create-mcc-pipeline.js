#!/usr/bin/env node
import { main } from '../dist/cli/create.js';

await main(process.argv);
