import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  ConfigError,
  configIssue,
  formatConfigIssue,
  formatZodIssues,
} from '../../../src/config/config-error.js';

describe('formatConfigIssue', () => {
  it.each([
    [configIssue('env', 'SLACK_BOT_TOKEN', 'required'), 'env SLACK_BOT_TOKEN: required'],
    [configIssue('manifest', 'routing.managers', 'required'), 'manifest routing.managers: required'],
    [configIssue('manifest', '', 'the manifest is empty'), 'manifest: the manifest is empty'],
    [
      configIssue('manifest', 'routing.teams.0.channel', 'bad', { file: 'manifests/pls.yml' }),
      'manifest manifests/pls.yml: routing.teams.0.channel: bad',
    ],
    [
      configIssue('manifest', 'routing.teams.0.channel', 'bad', {
        file: 'manifests/pls.yml',
        line: 42,
        column: 7,
      }),
      'manifest manifests/pls.yml:42:7: routing.teams.0.channel: bad',
    ],
    [
      configIssue('manifest', '', 'file not found', { file: 'manifests/pls.yml' }),
      'manifest manifests/pls.yml: file not found',
    ],
  ])('prints %o as %j', (issue, line) => {
    expect(formatConfigIssue(issue)).toBe(line);
  });
});

describe('ConfigError', () => {
  it('carries its issues and prints one line per issue', () => {
    const issues = [configIssue('env', 'PORT', 'bad port'), configIssue('env', 'LOG_LEVEL', 'bad level')];
    const error = new ConfigError(issues);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('env PORT: bad port\nenv LOG_LEVEL: bad level');
    expect(error.issues).toEqual(issues);
    expect(Object.isFrozen(error.issues)).toBe(true);
  });
});

describe('formatZodIssues', () => {
  it('joins paths with dots and ends an unknown key path with the key', () => {
    const schema = z.strictObject({ teams: z.array(z.strictObject({ id: z.string() })) });
    const result = schema.safeParse({ teams: [{ id: 1 }, { id: 'a', colour: 'red' }] });
    expect(formatZodIssues(result.error!, 'manifest').map((issue) => issue.path)).toEqual([
      'teams.0.id',
      'teams.1.colour',
    ]);
  });

  it('asks the locator for a position and passes the file through', () => {
    const result = z.strictObject({ port: z.number() }).safeParse({ port: 'x' });
    const [issue] = formatZodIssues(result.error!, 'manifest', {
      file: 'm.yml',
      locate: (path) => (path[0] === 'port' ? { line: 3, column: 1 } : null),
    });
    expect(issue).toMatchObject({ file: 'm.yml', line: 3, column: 1, path: 'port' });
  });
});
