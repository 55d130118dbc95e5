import { auth0 } from './auth0/index.js';
import { conductorOne } from './conductorone/index.js';
import { keycard } from './keycard/index.js';
import { vault } from './vault/index.js';

/**
 * Every vendor the gateway knows. Adding one: its folder under src/vendors/, its module here (an
 * import and an entry) and its name in domain/vendor.ts. The GraphQL `Vendor` enum, the config's
 * vendor names and the sandbox follow from this list.
 */
export const vendorModules = [auth0, conductorOne, keycard, vault] as const;
