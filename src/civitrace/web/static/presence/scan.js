// The "how to check in" page (/checkin): nothing to compute; it only makes sure this browser
// can open the check-in pages later without a connection.

import { registerWorker } from './ui.js';

registerWorker();
