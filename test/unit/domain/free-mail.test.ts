import { describe, expect, it } from 'vitest';
import { isFreeMailDomain } from '../../../src/domain/free-mail.js';
import { emailDomain, normaliseDomain } from '../../../src/domain/usage-event.js';

describe('isFreeMailDomain', () => {
  it('knows the consumer mailbox providers, in any case', () => {
    for (const domain of [
      'gmail.com',
      'GMail.com',
      'outlook.com',
      'yahoo.co.uk',
      'icloud.com',
      'proton.me',
      'qq.com',
    ]) {
      expect(isFreeMailDomain(domain), domain).toBe(true);
    }
  });

  it('treats company domains, and look-alikes, as business', () => {
    for (const domain of ['acme.com', 'gmail.co', 'mail.gmail.com', 'notgmail.com', '']) {
      expect(isFreeMailDomain(domain), domain).toBe(false);
    }
  });
});

describe('normaliseDomain and emailDomain', () => {
  it('reduces a URL or domain to its lower-case host without www', () => {
    expect(normaliseDomain('https://www.Acme.com/pricing')).toBe('acme.com');
    expect(normaliseDomain('Acme.COM')).toBe('acme.com');
    expect(normaliseDomain('  www.acme.io  ')).toBe('acme.io');
    expect(normaliseDomain('')).toBeUndefined();
    expect(normaliseDomain('not a domain')).toBeUndefined();
  });

  it('takes the lower-cased part after the last @', () => {
    expect(emailDomain('Kim@Acme.COM')).toBe('acme.com');
    expect(emailDomain('"a@b"@acme.com')).toBe('acme.com');
    expect(emailDomain('kim')).toBeNull();
    expect(emailDomain('kim@')).toBeNull();
    expect(emailDomain(null)).toBeNull();
    expect(emailDomain(undefined)).toBeNull();
  });
});
