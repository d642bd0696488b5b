"""The refresh loop's data side: AppState (state.py), the pure decisions of when to poll and how a
result is folded in (policy.py), the pacing of a source whose polls cost too much (pace.py), and
the owner of the long-lived source clients (hub.py)."""
