import { describe, expect, it } from 'vitest';
import { slackMessage } from '../../functions/domain/slack-message.js';

describe('Slack messages escape every interpolated value (issue 25, item 3)', () => {
  it.each([
    [
      'FollowUpEscalated',
      {
        programId: '<!channel>',
        score: '<!here>',
        classification: 'detractor',
        queue: 'q',
        caseId: 'c',
        escalation: { rung: '<!everyone>', reason: 'not-resolved' },
      },
    ],
    [
      'ThresholdBreached',
      {
        programId: 'p',
        segment: 's',
        score: '<@U123>',
        lower: '<!channel>',
        upper: '<https://evil.example|click>',
        threshold: '&',
        responses: '<!here>',
        windowDays: '>',
      },
    ],
  ])('%s: no mention, link or raw angle bracket from data', (type, detail) => {
    const message = slackMessage(type, detail as Record<string, unknown>, { includeComment: true });
    const text = JSON.stringify(message);
    expect(text).not.toMatch(/<[!@#]/);
    expect(text).not.toContain('<https://evil.example');
    expect(message.text).not.toMatch(/[<>]/);
  });
});
