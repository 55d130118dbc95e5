import { auth0 } from './auth0/index.js';
import { conductorOne } from './conductorone/index.js';

/** Every vendor the gateway knows. Adding one: its folder under src/vendors/ and one line here. */
export const vendorModules = [auth0, conductorOne] as const;
