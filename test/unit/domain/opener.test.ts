import { describe, expect, it } from 'vitest';
import { type MomentKind, momentKind, type OpenerContact, writeOpener } from '../../../src/domain/opener.js';
import { signalOf, specManifest, trigger } from '../../support/domain-builders.js';

const manifest = specManifest({
  scoring: {
    signals: [
      { id: 'usage_limit_hit', layer: 'intent', event: 'usage_limit_hit', points: 30, handoff: true },
      { id: 'near', layer: 'intent', event: 'usage_limit_approached', points: 8, handoff: true },
      { id: 'gated', layer: 'intent', event: 'premium_feature_attempted', points: 12, handoff: true },
      { id: 'pricing', layer: 'intent', event: 'pricing_page_viewed', points: 6, handoff: { count: 3 } },
      { id: 'demo', layer: 'intent', event: 'demo_requested', points: 40, handoff: true },
      { id: 'invite', layer: 'intent', event: 'teammate_invited', points: 12, handoff: true },
      {
        id: 'custom',
        layer: 'intent',
        event: 'export_failed',
        points: 12,
        handoff: true,
        opener: 'Hi {first_name}, sorry {account} hit a snag with {feature} — can I help?',
      },
      { id: 'sessions', layer: 'behavioral', event: 'session_started', points: 1 },
    ],
  },
});
const KIM: OpenerContact = {
  name: 'Kim Lee',
  title: 'Software Engineer',
  email: 'kim@acme.com',
  trigger: true,
};
const DANA: OpenerContact = {
  name: 'Dana Ray',
  title: 'VP Engineering',
  email: 'dana@acme.com',
  trigger: false,
};

const opener = (signalId: string | null, props: Record<string, string> = {}, contacts = [KIM]) =>
  writeOpener({
    trigger: trigger(signalId ? { signalId, props } : { kind: 'tier', signalId: null, props }),
    signal: signalId ? signalOf(manifest, signalId) : null,
    labels: { audit_log: 'audit log', api_calls: 'API calls' },
    account: 'Acme',
    contacts,
  });

describe('writeOpener', () => {
  it('has one message per kind of moment, in the prospect’s own terms', () => {
    const byKind: Record<MomentKind, string> = {
      limit_hit: opener('usage_limit_hit', { limit: 'api_calls' }).text,
      limit_approached: opener('near', { limit: 'api_calls' }).text,
      gated_feature: opener('gated', { feature: 'audit_log', plan: 'business' }).text,
      pricing: opener('pricing').text,
      demo: opener('demo').text,
      new_domain_invite: opener('invite', { invitee_domain: 'acmecorp.com' }).text,
      score_rise: opener(null).text,
    };
    expect(byKind).toEqual({
      limit_hit:
        'Hi Kim, it looks like Acme has outgrown the free API calls allowance — happy to set up headroom that fits how your team works.',
      limit_approached:
        'Hi Kim, Acme is getting close to its API calls allowance — want to make sure you have room before it gets in the way?',
      gated_feature:
        'Hi Kim, I saw Acme is looking at audit log, which comes with our business plan — happy to walk you through it or set up a trial.',
      pricing:
        'Hi Kim, if you are weighing plans for Acme, I can help you find the one that fits how your team works — 15 minutes this week?',
      demo: 'Hi Kim, thanks for asking for a demo — when suits you this week to walk through what Acme needs?',
      new_domain_invite:
        'Hi Kim, great to see Acme being picked up across your organisation — happy to help set it up for the wider team.',
      score_rise:
        'Hi Kim, your team at Acme has been getting a lot out of the product lately — worth 15 minutes to make sure your plan keeps up?',
    });
    // Never a count, a fraction or an id: no digits but the meeting we offer, no underscores.
    for (const text of Object.values(byKind)) expect(text.replace('15 minutes', '')).not.toMatch(/\d|_/);
  });

  it('takes a signal’s own opener over the moment’s', () => {
    expect(opener('custom', { feature: 'audit_log' }).text).toBe(
      'Hi Kim, sorry Acme hit a snag with audit log — can I help?',
    );
  });

  it('takes the play’s opener over the moment’s (a check-in, never a pitch), and a signal’s own over both', () => {
    const checkIn =
      'Hi {first_name}, checking in on how {account} is doing with the product — anything in the way?';
    const write = (signalId: string | null) =>
      writeOpener({
        trigger: trigger(
          signalId ? { signalId, props: { feature: 'audit_log' } } : { kind: 'tier', signalId: null },
        ),
        signal: signalId ? signalOf(manifest, signalId) : null,
        playOpener: checkIn,
        labels: { audit_log: 'audit log' },
        account: 'Acme',
        contacts: [KIM],
      }).text;
    expect(write(null)).toBe(
      'Hi Kim, checking in on how Acme is doing with the product — anything in the way?',
    );
    expect(write('usage_limit_hit')).toBe(write(null));
    expect(write('custom')).toBe('Hi Kim, sorry Acme hit a snag with audit log — can I help?');
  });

  it('reads cleanly when the moment carried no words, or nobody is known', () => {
    expect(opener('gated', {}, []).text).toBe(
      'Hi, I saw Acme is looking at one of our paid features, which comes with our paid plan — happy to walk you through it or set up a trial.',
    );
  });

  it('writes to the most senior known contact and names the person behind the signal for the rep', () => {
    const result = opener('usage_limit_hit', { limit: 'api_calls' }, [KIM, DANA]);
    expect(result.to).toBe(DANA);
    expect(result.behind).toBe(KIM);
    expect(result.text).toMatch(/^Hi Dana, /);
    expect(opener('usage_limit_hit', {}, [KIM]).behind).toBeNull(); // the addressee is the one behind it
  });

  it('knows a moment by the event its signal scores; anything else is a score rise', () => {
    expect(momentKind({ kind: 'signal' }, { event: 'usage_limit_hit' })).toBe('limit_hit');
    expect(momentKind({ kind: 'armed' }, { event: 'usage_limit_hit' })).toBe('score_rise');
    expect(momentKind({ kind: 'signal' }, null)).toBe('score_rise');
  });
});
