/** DI token for the domain's ReferenceData port (an interface, so it needs a token of its own). */
export const REFERENCE_DATA = Symbol('ReferenceData');

/** DI token for the AppConfig read at start-up. */
export const APP_CONFIG = Symbol('AppConfig');
