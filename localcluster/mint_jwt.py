#!/usr/bin/env python3
"""Print an unsecured JWT (alg "none") for the secured cluster's OAUTHBEARER listener.

Kafka's unsecured JWT validator (OAuthBearerUnsecuredValidatorCallbackHandler, the default when no
handler is configured) accepts these; they exist for testing.  This stands in for a real credential
command (a cloud identity provider, an AWS MSK IAM signer) behind `--sasl-oauth-token-command`.

    mint_jwt.py --sub kafkatui-oauth [--lifetime SECONDS] [--count-file PATH]

`--count-file` appends one line per run, so a test can count how often kafkatui ran it.
"""

from __future__ import annotations

import argparse
import base64
import json
import time


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def mint(sub: str, lifetime_s: float, now: float | None = None) -> str:
    now = time.time() if now is None else now
    return f"{b64({'alg': 'none'})}.{b64({'sub': sub, 'iat': int(now), 'exp': int(now + lifetime_s)})}."


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sub", default="kafkatui-oauth")
    p.add_argument("--lifetime", type=float, default=3600.0, help="seconds until exp")
    p.add_argument("--count-file", help="append a line per run here")
    args = p.parse_args()
    if args.count_file:
        with open(args.count_file, "a") as fh:
            fh.write(f"{time.time()}\n")
    print(mint(args.sub, args.lifetime))


if __name__ == "__main__":
    main()
