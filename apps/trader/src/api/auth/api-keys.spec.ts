import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '@config';
import { ApiKeyRing, Public, Roles, presentedKey, requiredRole } from './api-keys.js';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard.js';

const OPERATE = 'operate-key-unit-0123456789';
const READ = 'read-key-unit-0123456789';

class Probe {
  read() {}
  @Roles('read') postRead() {}
  @Public() probe() {}
}

function contextFor(req: AuthenticatedRequest, handler: keyof Probe = 'read'): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Probe.prototype[handler],
    getClass: () => Probe,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

const guardWith = (env: Record<string, string>) => new ApiKeyGuard(new ApiKeyRing(loadConfig(env)), new Reflector());
const request = (method: string, url: string, headers: Record<string, string> = {}): AuthenticatedRequest => ({ method, url, headers });

describe('API keys', () => {
  const guard = guardWith({ TRADER_API_KEYS: `ops:operate:${OPERATE},viewer:read:${READ}`, TRADER_API_KEY: 'legacy-key-unit-0123456789' });

  it('takes the key from x-api-key or a Bearer authorization header', () => {
    expect(presentedKey({ 'x-api-key': ' abc ' })).toBe('abc');
    expect(presentedKey({ authorization: 'Bearer xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic xyz' })).toBeNull();
    expect(presentedKey({})).toBeNull();
  });

  it('defaults GET/HEAD to read and every other method to operate', () => {
    expect(requiredRole('GET', undefined)).toBe('read');
    expect(requiredRole('DELETE', undefined)).toBe('operate');
    expect(requiredRole('POST', 'read')).toBe('read');
  });

  it('matches keys to their name and role, the legacy key as operate', () => {
    const ring = new ApiKeyRing(loadConfig({ TRADER_API_KEYS: `viewer:read:${READ}`, TRADER_API_KEY: 'legacy-key-unit-0123456789' }));
    expect(ring.match(READ)).toEqual({ name: 'viewer', role: 'read' });
    expect(ring.match('legacy-key-unit-0123456789')).toEqual({ name: 'legacy', role: 'operate' });
    expect(ring.match(`${READ}x`)).toBeNull();
    expect(ring.match('')).toBeNull();
  });

  it('answers 401 without or with a wrong key, 403 for a read key on a mutation, and records the principal', () => {
    expect(() => guard.canActivate(contextFor(request('GET', '/runs')))).toThrow(UnauthorizedException);
    expect(() => guard.canActivate(contextFor(request('GET', '/runs', { 'x-api-key': 'nope-nope-nope-nope' })))).toThrow('invalid API key');
    expect(() => guard.canActivate(contextFor(request('POST', '/runs?x=1', { 'x-api-key': READ })))).toThrow(new ForbiddenException("API key 'viewer' has role 'read'; POST /runs needs 'operate'"));
    const req = request('POST', '/runs', { authorization: `Bearer ${OPERATE}` });
    expect(guard.canActivate(contextFor(req))).toBe(true);
    expect(req.apiKey).toEqual({ name: 'ops', role: 'operate' });
    expect(guard.canActivate(contextFor(request('POST', '/x', { 'x-api-key': READ }), 'postRead'))).toBe(true);
  });

  it('never guards the probes and /metrics', () => {
    expect(guard.canActivate(contextFor(request('GET', '/health/ready'), 'probe'))).toBe(true);
    expect(guard.canActivate(contextFor(request('GET', '/metrics')))).toBe(true);
    expect(guard.canActivate(contextFor(request('GET', '/metrics?x=1')))).toBe(true);
    expect(() => guard.canActivate(contextFor(request('GET', '/metrics/../runs')))).toThrow(UnauthorizedException);
  });

  it('with no key configured, leaves reads open and refuses mutations', () => {
    const open = guardWith({});
    expect(open.canActivate(contextFor(request('GET', '/runs')))).toBe(true);
    expect(() => open.canActivate(contextFor(request('PUT', '/trading-state')))).toThrow(/mutating endpoints are disabled/);
  });
});
