/** Reported by /readyz and the admin capabilities document. */
export const GATEWAY_VERSION = '0.1.0';
export const ADMIN_API_VERSION = 'v1';
