#!/usr/bin/env node
// The `hypermob` bin. Commands are TypeScript run through tsx, the same way `npm start` runs them,
// so there is no build step between editing a command and using it.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
