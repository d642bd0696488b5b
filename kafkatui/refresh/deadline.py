"""The adaptive request deadline (issue 14): how long one poll's Kafka requests may wait.

Why: every Kafka request used to get the fixed connect timeout (4 s). On a large cluster on a
loaded host (3,000 topics, load 40, six monitors at once) every 9,000-partition refresh timed
out at 4 s, so the operator saw nothing at all, refresh after refresh. A fixed longer timeout
would make a hung broker hold every poll that long. So a source's deadline grows after a poll
of it timed out and shrinks back once its polls are quick again; the header says so
("timeout 4s→8s").

Pure and plain (no Textual, no clock), like pace.py: `next_deadline(deadline, base_s, poll,
policy)` is the whole decision, unit-tested in tests/unit/test_deadline.py;
`refresh/policy.apply_poll` folds it into AppState, and the app hands the deadline in force to
the source (`KafkaSource.refresh(timeout_s=...)`), which gives it to every request of that poll.

The rule, with `DeadlinePolicy`'s defaults:
- **Grow** when a poll ran into its deadline: double it, up to the cap.
- **Cap**: `max_s` (30 s), or the set timeout if that is longer. Why 30 s: it is Kafka's own
  clients' default `request.timeout.ms` (the Java clients and kafka-python), i.e. the longest
  Kafka itself lets a request take before calling it lost; an answer later than that is not
  coming, and data that old is no longer what an operator calls live at a 5 s refresh.
- **Shrink** with hysteresis: halve (never below the set timeout) only after `calm_polls` (3)
  answered polls in a row that each took at most half of the halved deadline; a poll between
  the two keeps the deadline and restarts the count, so a deadline near a threshold does not
  flap.
- **Hold** on a failure that did not run into the deadline (a refused connection: the broker
  is down, not slow): it says nothing about how long an answer takes.

How an outage stays visible although the deadline grows: the deadline only grows after a poll
that already timed out, and that poll has already reported its loss (the source turns stale,
"since" its first failure, and stays so); a dead broker refuses connections at once, so it
never grows the deadline; connecting (bootstrap) keeps the set timeout ("cannot reach ... within
4 s"), and so does a connection's own handshake: a broker that hangs (SIGSTOP) drops its
connection at the first timeout, and every later poll's handshake to it times out at the set
timeout, so its parts are reported lost that soon on every poll whatever the deadline (measured
on the KRaft test cluster with one broker stopped, 5 s refresh: the deadline grew 4 -> 8 s once,
every later poll still lost that broker's parts after 4.0 s, and it was back at 4 s three quick
polls after the controller had fenced the broker); and while a poll waits out a long deadline,
the app's slow-poll watchdog (policy.mark_slow) marks the source STALE after max(10 s,
3 refreshes), whatever the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEADLINE_S = 30.0


@dataclass(frozen=True)
class DeadlinePolicy:
    """The thresholds of `next_deadline` (see the module docstring for why each default)."""

    max_s: float = MAX_DEADLINE_S  # the deadline grows to at most this (or the set timeout, if longer)
    calm_polls: int = 3  # quick polls in a row before the deadline is halved back

    def cap(self, base_s: float) -> float:
        """The longest deadline a source whose set timeout is `base_s` is ever given."""
        return max(base_s, self.max_s)


DEFAULT_DEADLINE_POLICY = DeadlinePolicy()


@dataclass(frozen=True)
class Deadline:
    """One source's request deadline. `timeout_s` None: the set timeout; `calm` counts quick
    answered polls towards a shrink."""

    timeout_s: float | None = None
    calm: int = 0

    @property
    def grown(self) -> bool:
        return self.timeout_s is not None

    def timeout(self, base_s: float) -> float:
        """The deadline to give the next poll: the grown one, or the set timeout."""
        return self.timeout_s if self.timeout_s is not None else base_s


SET = Deadline()


@dataclass(frozen=True)
class PollWait:
    """How long one poll waited for its answers: its wall time, and whether it ran into its
    deadline (it failed, or lost parts, after waiting the deadline out)."""

    wall_s: float
    timed_out: bool = False


def next_deadline(deadline: Deadline, base_s: float, poll: PollWait | None,
                  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY) -> Deadline:
    """The deadline after one more poll of a source whose set timeout is `base_s`.

    `poll` None: the poll failed without running into its deadline (a refused connection),
    which says nothing about how long an answer takes; the deadline holds and the count of
    quick polls restarts.
    """
    current = deadline.timeout(base_s)
    if poll is None:
        return Deadline(deadline.timeout_s) if deadline.calm else deadline
    if poll.timed_out:
        grown = min(2 * current, policy.cap(base_s))
        return SET if grown <= base_s else Deadline(max(grown, current))
    if deadline.timeout_s is None:
        return deadline
    lower = max(base_s, current / 2)
    if poll.wall_s > lower / 2:
        return Deadline(deadline.timeout_s) if deadline.calm else deadline
    if deadline.calm + 1 < policy.calm_polls:
        return Deadline(deadline.timeout_s, deadline.calm + 1)
    return SET if lower <= base_s else Deadline(lower)


def deadline_note(base_s: float, deadline: Deadline) -> str:
    """ "timeout 4s→8s" while a source's deadline is grown, else ""."""
    if deadline.timeout_s is None:
        return ""
    return f"timeout {base_s:g}s→{deadline.timeout_s:g}s"
