"""Judging the cluster: what needs an operator's attention, worst first, and why."""
