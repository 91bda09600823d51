import React, { FormEvent, useCallback, useState } from 'react';
import { dateTimeFormat } from '@grafana/data';
import {
  Button,
  EmptyState,
  Field,
  FieldSet,
  LoadingPlaceholder,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';
import {
  ApiError,
  listMembers,
  putMember,
  removeMember,
  toApiError,
  type ProjectMember,
  type ProjectRoleName,
} from '../../api';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { FormActions, TextInputField } from '../../components/FormFields/FormFields';
import { getTableStyles } from '../../components/DataTable/getTableStyles';
import { testIds } from '../../components/testIds';
import { useAsyncData } from '../../utils/useAsyncData';
import { useSubmit } from '../../utils/useSubmit';
import { canGrantRole, grantableRoleOptions } from './roles';

interface MemberOverridesProps {
  projectId: string;
  /** The caller's role in the project: it bounds the roles they may grant. */
  callerRole: ProjectRoleName;
  callerUserId: number;
  /** Whether the caller may change overrides; without it the list is read-only. */
  canManage: boolean;
  /** Called after the caller changed their own override, whose role and permissions then differ. */
  onOwnRoleChanged: () => void;
}

const byLogin = (a: ProjectMember, b: ProjectMember) => a.login.localeCompare(b.login) || a.userId - b.userId;

/** The project's role overrides: loaded once per project, then kept in step with the changes made here. */
export function MemberOverrides(props: MemberOverridesProps) {
  const load = useCallback(() => listMembers(props.projectId), [props.projectId]);
  const members = useAsyncData(load);

  return (
    <div data-testid={testIds.members.container}>
      <FieldSet label="Role overrides">
        <Stack direction="column" gap={2}>
          <Text color="secondary" element="p">
            A role normally follows from the Grafana team and org role: org Admins are owners, team admins are admins,
            team members with org Editor are engineers and with org Viewer viewers. An override sets a user&apos;s role
            in this project instead.
          </Text>
          {members.status === 'loading' && (
            <LoadingPlaceholder text="Loading role overrides…" data-testid={testIds.members.loading} />
          )}
          {members.status === 'error' && (
            <ApiErrorAlert
              title="Could not load the role overrides"
              error={members.error}
              onRetry={members.reload}
              data-testid={testIds.members.error}
            />
          )}
          {members.status === 'success' && <MemberList {...props} initialMembers={members.data.items} />}
        </Stack>
      </FieldSet>
    </div>
  );
}

function MemberList({
  projectId,
  callerRole,
  callerUserId,
  canManage,
  onOwnRoleChanged,
  initialMembers,
}: MemberOverridesProps & { initialMembers: ProjectMember[] }) {
  const s = useStyles2(getTableStyles);
  const [members, setMembers] = useState(() => [...initialMembers].sort(byLogin));
  const [busyUserId, setBusyUserId] = useState<number | null>(null);
  const [rowError, setRowError] = useState<{ userId: number; error: ApiError } | null>(null);

  const saved = (member: ProjectMember) => {
    setMembers((list) => [...list.filter((m) => m.userId !== member.userId), member].sort(byLogin));
    if (member.userId === callerUserId) {
      onOwnRoleChanged();
    }
  };

  const onChangeRole = async (member: ProjectMember, role: ProjectRoleName) => {
    setBusyUserId(member.userId);
    setRowError(null);
    try {
      saved(await putMember(projectId, member.userId, { role, login: member.login || undefined }));
    } catch (error) {
      setRowError({ userId: member.userId, error: toApiError(error) });
    } finally {
      setBusyUserId(null);
    }
  };

  const onRemove = async (member: ProjectMember) => {
    setBusyUserId(member.userId);
    setRowError(null);
    try {
      await removeMember(projectId, member.userId);
      setMembers((list) => list.filter((m) => m.userId !== member.userId));
      if (member.userId === callerUserId) {
        onOwnRoleChanged();
      }
    } catch (error) {
      setRowError({ userId: member.userId, error: toApiError(error) });
    } finally {
      setBusyUserId(null);
    }
  };

  // Controls appear only where the caller may act; an admin sees an owner's override read-only.
  const mayEdit = (member: ProjectMember) => canManage && canGrantRole(callerRole, member.role);

  return (
    <Stack direction="column" gap={3}>
      {members.length === 0 ? (
        <div data-testid={testIds.members.empty}>
          <EmptyState variant="not-found" message="No role overrides">
            Everyone in this project has the role that follows from their Grafana team and org role.
          </EmptyState>
        </div>
      ) : (
        <table className={s.table} data-testid={testIds.members.table}>
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Set by</th>
              <th>Updated</th>
              {canManage && <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.userId} data-testid={testIds.members.row} data-user-id={member.userId}>
                <td>
                  <Stack direction="column" gap={0}>
                    <Text>{member.login || `User ${member.userId}`}</Text>
                    <Text color="secondary" variant="bodySmall">
                      User id {member.userId}
                    </Text>
                  </Stack>
                </td>
                <td>
                  {mayEdit(member) ? (
                    <div data-testid={testIds.members.roleSelect}>
                      <RadioButtonGroup<ProjectRoleName>
                        size="sm"
                        aria-label={`Role of ${member.login || `user ${member.userId}`}`}
                        options={grantableRoleOptions(callerRole)}
                        value={member.role}
                        disabled={busyUserId === member.userId}
                        onChange={(role) => role !== member.role && onChangeRole(member, role)}
                      />
                    </div>
                  ) : (
                    <Text>{member.role}</Text>
                  )}
                  {rowError?.userId === member.userId && (
                    <div className={s.rowError} data-testid={testIds.members.rowError}>
                      <Text color="error" variant="bodySmall">
                        {rowError.error.message}
                      </Text>
                    </div>
                  )}
                </td>
                <td>
                  <Text color="secondary">{member.createdBy}</Text>
                </td>
                <td className={s.nowrap}>
                  <Text color="secondary" tabular>
                    {dateTimeFormat(member.updatedAt)}
                  </Text>
                </td>
                {canManage && (
                  <td>
                    {mayEdit(member) && (
                      <Button
                        size="sm"
                        variant="destructive"
                        fill="outline"
                        icon="trash-alt"
                        disabled={busyUserId === member.userId}
                        onClick={() => onRemove(member)}
                        data-testid={testIds.members.removeButton}
                      >
                        Remove
                      </Button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManage && <AddMemberForm projectId={projectId} callerRole={callerRole} onAdded={saved} />}
    </Stack>
  );
}

interface AddMemberFormProps {
  projectId: string;
  callerRole: ProjectRoleName;
  onAdded: (member: ProjectMember) => void;
}

function AddMemberForm({ projectId, callerRole, onAdded }: AddMemberFormProps) {
  const [userId, setUserId] = useState('');
  const [login, setLogin] = useState('');
  const [role, setRole] = useState<ProjectRoleName>('viewer');

  const parsedUserId = /^\d+$/.test(userId.trim()) ? Number(userId.trim()) : NaN;
  const isUserIdValid = Number.isSafeInteger(parsedUserId) && parsedUserId > 0;
  const isUserIdInvalid = userId.trim() !== '' && !isUserIdValid;

  const { submit, submitting, error } = useSubmit(
    () => putMember(projectId, parsedUserId, { role, login: login.trim() || undefined }),
    {
      onSuccess: (member) => {
        onAdded(member);
        setUserId('');
        setLogin('');
      },
    }
  );

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (isUserIdValid) {
      submit();
    }
  };

  return (
    <form onSubmit={onSubmit} data-testid={testIds.members.addForm}>
      <FieldSet label="Add or change an override">
        <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
          <TextInputField
            label="Grafana user id"
            description="In the user's address under Administration → Users"
            invalid={isUserIdInvalid}
            error={isUserIdInvalid ? 'A positive whole number' : undefined}
            id="member-user-id"
            width={16}
            inputMode="numeric"
            value={userId}
            onChange={setUserId}
            data-testid={testIds.members.addUserId}
          />
          <TextInputField
            label="Login"
            description="Optional: shown in the list"
            id="member-login"
            width={24}
            maxLength={200}
            value={login}
            onChange={setLogin}
            data-testid={testIds.members.addLogin}
          />
        </Stack>
        <Field label="Role">
          <div data-testid={testIds.members.addRole}>
            <RadioButtonGroup<ProjectRoleName>
              aria-label="Role of the new override"
              options={grantableRoleOptions(callerRole)}
              value={role}
              onChange={setRole}
            />
          </div>
        </Field>
        <FormActions error={error} errorTitle="Could not set the role" errorTestId={testIds.members.addError}>
          <Button
            type="submit"
            icon="plus"
            disabled={!isUserIdValid || submitting}
            data-testid={testIds.members.addSubmit}
          >
            {submitting ? 'Saving…' : 'Set role'}
          </Button>
        </FormActions>
      </FieldSet>
    </form>
  );
}
