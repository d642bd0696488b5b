"""The cluster's security set-up, read-only: ACLs, client quotas and SCRAM users.

One round of three requests (DescribeAcls, DescribeClientQuotas, DescribeUserScramCredentials,
built in `wire.py`) sent at once. Each part that cannot be read says why instead of failing the
rest: SECURITY_DISABLED means the cluster has no authorizer (a fact), an authorization error that
this principal may not see it, an unsupported version that the broker is too old.
"""

from __future__ import annotations

import time
from typing import Any

import kafka.errors as Errors
from kafka.admin import ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourceType

from kafkatui.kafka.convert import NOT_AUTHORIZED
from kafkatui.kafka.wire import (
    Call,
    Phase,
    describe_acls_request,
    describe_client_quotas_request,
    describe_scram_users_request,
    gather,
)
from kafkatui.model import AclBinding, ClientQuota, ScramUser, SecuritySnapshot

SCRAM_MECHANISMS = {1: "SCRAM-SHA-256", 2: "SCRAM-SHA-512"}
PARTS = ("acls", "quotas", "scram_users")


def _name(enum: Any, value: int) -> str:
    try:
        return enum(value).name
    except ValueError:
        return str(value)


def why_unavailable(error: type[Exception]) -> str:
    """The reason a part could not be read, in the operator's words."""
    if error is Errors.SecurityDisabledError:
        return "no authorizer configured (SECURITY_DISABLED)"
    if "AuthorizationFailed" in error.__name__:
        return f"{NOT_AUTHORIZED} ({error.__name__})"
    return error.__name__


def acls_from_response(response: Any) -> tuple[AclBinding, ...]:
    return tuple(sorted(
        (AclBinding(principal=acl.principal, host=acl.host, operation=_name(ACLOperation, acl.operation),
                    permission=_name(ACLPermissionType, acl.permission_type),
                    resource_type=_name(ResourceType, resource.resource_type), resource_name=resource.resource_name,
                    pattern_type=_name(ACLResourcePatternType, getattr(resource, "pattern_type", 3)))
         for resource in response.resources for acl in resource.acls),
        key=lambda a: (a.principal, a.resource_type, a.resource_name, a.operation, a.permission)))


def quotas_from_response(response: Any) -> tuple[ClientQuota, ...]:
    return tuple(sorted(
        (ClientQuota(entity=tuple((e.entity_type, e.entity_name) for e in entry.entity),
                     values=tuple(sorted((v.key, v.value) for v in entry.values)))
         for entry in response.entries),
        key=lambda q: [(t, n or "") for t, n in q.entity]))


def scram_users_from_response(response: Any) -> tuple[ScramUser, ...]:
    return tuple(sorted(
        (ScramUser(r.user, tuple((SCRAM_MECHANISMS.get(c.mechanism, str(c.mechanism)), c.iterations)
                                 for c in r.credential_infos))
         for r in response.results if not r.error_code),
        key=lambda u: u.name))


CONVERT = {"acls": acls_from_response, "quotas": quotas_from_response, "scram_users": scram_users_from_response}


async def fetch_security(call: Call) -> SecuritySnapshot:
    fetched_at = time.time()
    phase = Phase(time.monotonic())
    phase.add("acls", None, call.send(describe_acls_request()))
    phase.add("quotas", None, call.send(describe_client_quotas_request()))
    phase.add("scram_users", None, call.send(describe_scram_users_request()))
    results, errors = await gather(call, phase)
    parts: dict[str, Any] = dict.fromkeys(PARTS)
    unavailable: dict[str, str] = {}
    for kind, _node, response, _tag in results:
        error = Errors.for_code(response.error_code)
        if error is not Errors.NoError:
            unavailable[kind] = why_unavailable(error)
        else:
            parts[kind] = CONVERT[kind](response)
    for line in errors:  # "acls: UnsupportedVersionError", a timeout, ...
        kind = line.split(":", 1)[0].replace(" ", "_")
        unavailable.setdefault(kind, line.split(":", 1)[1].strip())
    return SecuritySnapshot(fetched_at, parts["acls"], parts["quotas"], parts["scram_users"], unavailable)
