export const TRADER_CONFIG = Symbol('TRADER_CONFIG');
