import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../functions/config/catalog-schema.js';
import { adminTeamOf, teamAccess, teamsOf } from '../../../functions/domain/teams.js';
import { declaredCatalog, demoCatalog } from '../../fixtures/catalog.js';

describe('teams of the workspace', () => {
  it('are the catalog’s, each with its queues; the admin team sees every queue', () => {
    expect(teamsOf(demoCatalog)).toEqual({ 'customer-success': ['customer-success', 'advocacy'], support: ['support'], 'team-leads': ['escalation'] });
    expect(teamAccess(demoCatalog, ['support'])).toEqual({ teams: ['support'], queues: ['support'], admin: false });
    expect(teamAccess(demoCatalog, ['support', 'team-leads', 'unknown-group'])).toEqual({
      teams: ['support', 'team-leads'],
      queues: ['support', 'escalation'],
      admin: false,
    });
    expect(teamAccess(demoCatalog, ['cx-admin'])).toEqual({
      teams: ['cx-admin'],
      queues: ['customer-success', 'support', 'advocacy', 'escalation'],
      admin: true,
    });
    // A group the catalog does not know gives nothing.
    expect(teamAccess(demoCatalog, ['marketing'])).toEqual({ teams: [], queues: [], admin: false });
  });

  it('without `teams`, are the follow-up queues, each its own team; the admin team is named in `workspace`', () => {
    const { teams: _teams, ...declared } = declaredCatalog();
    const catalog = parseCatalog({ ...declared, workspace: { adminTeam: 'leads' } });
    expect(teamsOf(catalog)).toEqual({ 'customer-success': ['customer-success'], support: ['support'], advocacy: ['advocacy'], escalation: ['escalation'] });
    expect(adminTeamOf(catalog)).toBe('leads');
    expect(teamAccess(catalog, ['cx-admin']).admin).toBe(false);
    expect(teamAccess(catalog, ['leads']).admin).toBe(true);
  });
});
