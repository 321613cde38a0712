"""Team keys, sealed envelopes and invitations.

A team has one key per tier: `staff` (queue decisions and notes, consent, settings, the
workspace snapshot), `safeguarding` (case entries and what a flag is about) and `volunteer`
(the volunteer lists). A laptop keeps the team keys its role may hold in workspace.json, each
sealed under the local key of the same tier (staff under the workspace key, safeguarding under
the safeguarding key, volunteer under the volunteer store key), so a profile opens only its
tier's team key.

An envelope is AES-256-GCM under its tier's key; the associated data binds the team, tier,
key epoch, device id, the device's sequence number and the operation id, so an envelope
altered, moved to another device or replayed under another number fails to open.
"""

from __future__ import annotations

import json
import os
import secrets
import zlib
from dataclasses import dataclass

from steward import crypto
from steward.errors import BadInput, StewardError

TIERS = ("staff", "safeguarding", "volunteer")
# Which team keys a role holds (a volunteer laptop receives only the volunteer tier).
ROLE_TIERS = {
    "volunteer": ("volunteer",),
    "steward": ("staff", "volunteer"),
    "safeguarding-lead": ("staff", "safeguarding", "volunteer"),
    "admin": ("staff", "safeguarding", "volunteer"),
}
# The local key each team key is sealed under on a laptop.
LOCAL_KEY = {"staff": "wk", "safeguarding": "sk", "volunteer": "vk"}
INVITATION_FORMAT = "steward-team-invitation/1"


class EnvelopeRefused(StewardError):
    """An envelope that does not open: altered on the server, or not this team's."""


@dataclass
class TeamKeys:
    """The team keys this profile holds, by tier (absent: not this profile's tier)."""

    epoch: int
    keys: dict[str, bytes]

    def key(self, tier: str) -> bytes | None:
        return self.keys.get(tier)


def new_team_keys() -> TeamKeys:
    return TeamKeys(1, {tier: crypto.new_key() for tier in TIERS})


def envelope_aad(team_id: str, tier: str, epoch: int, device_id: str, device_seq: int,
                 op_id: str) -> bytes:
    return (f"steward-team/1/{team_id}/{tier}/{epoch}/{device_id}/{device_seq}/{op_id}"
            .encode())


def seal_op(key: bytes, op: dict, aad: bytes) -> bytes:
    body = zlib.compress(json.dumps(op, ensure_ascii=False, separators=(",", ":"),
                                    default=str).encode("utf-8"), 6)
    return crypto.seal(key, body, aad)


def open_op(key: bytes, sealed: bytes, aad: bytes, named: str) -> dict:
    try:
        body = crypto.open_sealed(key, sealed, aad)
        return json.loads(zlib.decompress(body))
    except (crypto.DecryptionFailed, zlib.error, ValueError):
        raise EnvelopeRefused(f"{named} was altered on the server (or is not this team's): "
                              "refused; nothing after it was applied") from None


# --- on this laptop ----------------------------------------------------------------------------

def store_keys(ws, keys: TeamKeys) -> dict:
    """The sealed form kept in the team block: each key under the local key of its tier."""
    sealed = {}
    for tier, key in keys.keys.items():
        wrapped = ws.seal_team_secret(LOCAL_KEY[tier], key, f"{tier}/{keys.epoch}")
        if wrapped is not None:
            sealed[tier] = wrapped
    return {"epoch": keys.epoch, "sealed": sealed}


def load_keys(ws, block: dict) -> TeamKeys:
    """The team keys this profile can open from the team block."""
    stored = block["keys"]
    out = {}
    for tier, wrapped in stored["sealed"].items():
        key = ws.open_team_secret(LOCAL_KEY[tier], wrapped, f"{tier}/{stored['epoch']}")
        if key is not None:
            out[tier] = key
    return TeamKeys(int(stored["epoch"]), out)


# --- invitations -------------------------------------------------------------------------------

def new_code() -> str:
    """A one-time invitation code, given to the person separately from the file."""
    raw = secrets.token_hex(10).upper()
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


def _code_key(code: str, salt: bytes) -> bytes:
    return crypto.recovery_kek(code.replace("-", "").replace(" ", "").upper(), salt)


def make_invitation(team: dict, keys: TeamKeys, role: str, name: str, invite_id: str,
                    code: str) -> dict:
    """An invitation: what `role` may hold, sealed under the one-time code."""
    missing = [t for t in ROLE_TIERS[role] if keys.key(t) is None]
    if missing:
        raise StewardError(f"this profile does not hold the team's {', '.join(missing)} key, "
                           f"so it cannot invite a {role}")
    salt = os.urandom(16)
    payload = {"keys": {t: crypto.b64(keys.key(t)) for t in ROLE_TIERS[role]},
               "epoch": keys.epoch, "origin": team["origin"]}
    aad = f"{INVITATION_FORMAT}/{team['id']}/{invite_id}/{role}/{name}".encode()
    return {"format": INVITATION_FORMAT, "team": team["id"], "server": team["server"],
            "name": name, "role": role, "invite": invite_id, "salt": crypto.b64(salt),
            "sealed": crypto.b64(crypto.seal(_code_key(code, salt),
                                             json.dumps(payload).encode(), aad))}


def read_invitation(path) -> dict:
    from pathlib import Path

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no invitation file at {path}") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise BadInput(f"{path} is not a Steward team invitation (not readable JSON)") from None
    if not isinstance(data, dict) or data.get("format") != INVITATION_FORMAT or any(
            k not in data for k in ("team", "server", "name", "role", "invite", "salt",
                                    "sealed")):
        raise BadInput(f"{path} is not a Steward team invitation")
    if data["role"] not in ROLE_TIERS:
        raise BadInput(f"{path} names an unknown role {data['role']!r}")
    return data


def open_invitation(invitation: dict, code: str, named: str) -> tuple[TeamKeys, dict]:
    """The team keys inside, with the code; a wrong code or an edited file is one error."""
    aad = (f"{INVITATION_FORMAT}/{invitation['team']}/{invitation['invite']}/"
           f"{invitation['role']}/{invitation['name']}").encode()
    try:
        payload = json.loads(crypto.open_sealed(
            _code_key(code, crypto.unb64(invitation["salt"])),
            crypto.unb64(invitation["sealed"]), aad))
    except (crypto.DecryptionFailed, ValueError):
        raise StewardError(f"the code does not open {named} (a wrong code, or the file was "
                           "changed)") from None
    keys = {t: crypto.unb64(v) for t, v in payload["keys"].items()}
    if set(keys) != set(ROLE_TIERS[invitation["role"]]):
        raise StewardError(f"{named} does not hold the keys of a {invitation['role']}")
    return TeamKeys(int(payload["epoch"]), keys), payload["origin"]
