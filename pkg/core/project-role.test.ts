import { describe, expect, it } from 'vitest';
import { canGrantRole, deriveProjectRole, hasProjectRole, memberChangeRefusal, slugify } from './project-role.ts';

describe('project roles', () => {
  it.each([
    [{ orgRole: 'Admin', isTeamMember: false, isTeamAdmin: null, override: null }, 'owner'],
    [{ orgRole: 'Admin', isTeamMember: false, isTeamAdmin: null, override: 'viewer' }, 'owner'],
    [{ orgRole: 'Editor', isTeamMember: true, isTeamAdmin: true, override: null }, 'admin'],
    [{ orgRole: 'Viewer', isTeamMember: true, isTeamAdmin: true, override: null }, 'admin'],
    [{ orgRole: 'Editor', isTeamMember: true, isTeamAdmin: false, override: null }, 'engineer'],
    [{ orgRole: 'Editor', isTeamMember: true, isTeamAdmin: null, override: null }, 'engineer'],
    [{ orgRole: 'Viewer', isTeamMember: true, isTeamAdmin: null, override: null }, 'viewer'],
    [{ orgRole: 'None', isTeamMember: true, isTeamAdmin: null, override: null }, null],
    [{ orgRole: 'Editor', isTeamMember: false, isTeamAdmin: null, override: null }, null],
    [{ orgRole: 'Viewer', isTeamMember: false, isTeamAdmin: null, override: 'engineer' }, 'engineer'],
    [{ orgRole: 'Editor', isTeamMember: true, isTeamAdmin: true, override: 'viewer' }, 'viewer'],
  ] as const)('%o → %s', (facts, role) => {
    expect(deriveProjectRole(facts)).toBe(role);
  });

  it('orders roles and limits who grants what', () => {
    expect(hasProjectRole('owner', 'viewer')).toBe(true);
    expect(hasProjectRole('viewer', 'engineer')).toBe(false);
    expect(hasProjectRole(null, 'viewer')).toBe(false);
    expect(canGrantRole('admin', 'admin')).toBe(true);
    expect(canGrantRole('admin', 'owner')).toBe(false);
    expect(canGrantRole('owner', 'owner')).toBe(true);
    expect(canGrantRole('engineer', 'viewer')).toBe(false);
  });

  it('lets a granter change only members below them, and never lower a peer’s role from Grafana', () => {
    const admin = { role: 'admin', isOrgAdmin: false } as const;
    const orgAdmin = { role: 'owner', isOrgAdmin: true } as const;
    const overrideOwner = { role: 'owner', isOrgAdmin: false } as const;
    expect(memberChangeRefusal(admin, { effective: 'engineer', derived: null }, 'viewer')).toBeNull();
    expect(memberChangeRefusal(admin, { effective: null, derived: null }, 'admin')).toBeNull();
    expect(memberChangeRefusal(admin, { effective: 'admin', derived: 'admin' }, 'viewer')).toMatch(/below it/);
    expect(memberChangeRefusal(admin, { effective: 'admin', derived: null }, null)).toMatch(/below it/);
    expect(memberChangeRefusal(admin, { effective: 'viewer', derived: 'admin' }, null)).toMatch(/through Grafana/);
    expect(memberChangeRefusal(admin, { effective: 'viewer', derived: null }, 'owner')).toMatch(/cannot grant owner/);
    expect(memberChangeRefusal(overrideOwner, { effective: 'admin', derived: 'admin' }, 'viewer')).toBeNull();
    expect(memberChangeRefusal(overrideOwner, { effective: 'owner', derived: null }, null)).toMatch(/below it/);
    expect(memberChangeRefusal(orgAdmin, { effective: 'owner', derived: null }, null)).toBeNull();
  });

  it('slugifies names', () => {
    expect(slugify('Payments & Billing (EU)', 'x')).toBe('payments-billing-eu');
    expect(slugify('Équipe Réseau', 'x')).toBe('equipe-reseau');
    expect(slugify('***', 'team-7')).toBe('team-7');
    expect(slugify('a'.repeat(100), 'x')).toHaveLength(63);
  });
});
