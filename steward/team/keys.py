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
from dataclasses import dataclass, field

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
    """The team keys this profile holds, by tier (absent: not this profile's tier), for the
    current epoch and the earlier ones (changes written before a rotation still open)."""

    epoch: int
    keys: dict[str, bytes]
    older: dict[int, dict[str, bytes]] = field(default_factory=dict)
    # The team drop box's public half (epoch, key), as an invitation or a grant gave it to a
    # laptop whose role holds no safeguarding key.
    dropbox: tuple[int, bytes] | None = None

    def key(self, tier: str) -> bytes | None:
        return self.keys.get(tier)

    def key_at(self, epoch: int, tier: str) -> bytes | None:
        if epoch == self.epoch:
            return self.keys.get(tier)
        return self.older.get(epoch, {}).get(tier)

    def rotated(self) -> TeamKeys:
        """New keys for every tier, one epoch on; the current ones kept for reading."""
        return TeamKeys(self.epoch + 1, {tier: crypto.new_key() for tier in TIERS},
                        {**self.older, self.epoch: dict(self.keys)})

    def take_grant(self, granted: TeamKeys) -> None:
        """A grant's keys: its epoch and any earlier ones this laptop lacked."""
        for epoch, held in granted.older.items():
            if epoch != self.epoch:
                self.older.setdefault(epoch, dict(held))
        self.take(granted.epoch, granted.keys)

    def take(self, epoch: int, keys: dict[str, bytes]) -> None:
        """Keys of a new epoch granted to this laptop (a rotation elsewhere)."""
        if epoch == self.epoch:
            return
        if epoch < self.epoch:
            self.older.setdefault(epoch, dict(keys))
            return
        self.older[self.epoch] = dict(self.keys)
        self.epoch, self.keys = epoch, dict(keys)


def new_team_keys() -> TeamKeys:
    return TeamKeys(1, {tier: crypto.new_key() for tier in TIERS})


def grant_aad(team_id: str, device_id: str, epoch: int) -> bytes:
    return f"steward-team/1/{team_id}/grant/{device_id}/{epoch}".encode()


# --- the team drop box: what a steward's laptop seals for the leads ---------------------------

DROPBOX_INFO = b"steward-team/1/dropbox"


def dropbox_pair(safeguarding_key: bytes) -> tuple[bytes, bytes]:
    """(public, private) X25519 pair of the team's drop box for one epoch, derived from that
    epoch's safeguarding key: whoever holds the key can open what was sealed to the public
    half; a steward's laptop holds only the public half (from its invitation or a grant)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    seed = HKDF(algorithm=SHA256(), length=32, salt=None,
                info=DROPBOX_INFO).derive(safeguarding_key)
    private = X25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return public, seed


def dropbox_for(keys: TeamKeys, tiers) -> dict | None:
    """The drop box's public half for a laptop holding `tiers`: only staff laptops without
    the safeguarding key seal to it (the leads' laptops seal under the key itself)."""
    if "staff" not in tiers or "safeguarding" in tiers or keys.key("safeguarding") is None:
        return None
    return {"epoch": keys.epoch,
            "public": crypto.b64(dropbox_pair(keys.key("safeguarding"))[0])}


def seal_grant(public: bytes, team_id: str, device_id: str, keys: TeamKeys,
               tiers, since: int | None = None) -> bytes:
    """A rotation's keys for one laptop (the tiers its role may hold), sealed to its device
    key: a removed laptop, which has no grant, cannot open what is written after. `since`:
    the newest epoch the laptop holds, when it asked late (the epochs after it come too)."""
    body = {"epoch": keys.epoch, "keys": {t: crypto.b64(keys.keys[t]) for t in tiers}}
    if since is not None:
        body["older"] = {str(e): {t: crypto.b64(k[t]) for t in tiers if t in k}
                         for e, k in keys.older.items() if e > since}
    box = dropbox_for(keys, tiers)
    if box is not None:
        body["dropbox"] = box
    return crypto.seal_to(public, json.dumps(body).encode(),
                          grant_aad(team_id, device_id, keys.epoch))


def open_grant(private: bytes, sealed: bytes, team_id: str, device_id: str, epoch: int,
               named: str) -> TeamKeys:
    """A grant's keys: the epoch granted, any earlier epochs sent with it, the drop box."""
    try:
        body = json.loads(crypto.open_from(private, sealed,
                                           grant_aad(team_id, device_id, epoch)))
    except (crypto.DecryptionFailed, ValueError):
        raise EnvelopeRefused(f"{named} (new team keys for this laptop) does not open: "
                              "refused; nothing after it was applied") from None
    if int(body["epoch"]) != epoch:
        raise EnvelopeRefused(f"{named} (new team keys for this laptop) names another epoch: "
                              "refused; nothing after it was applied")
    older = {int(e): {t: crypto.unb64(v) for t, v in held.items()}
             for e, held in body.get("older", {}).items()}
    box = body.get("dropbox")
    return TeamKeys(epoch, {t: crypto.unb64(v) for t, v in body["keys"].items()}, older,
                    (int(box["epoch"]), crypto.unb64(box["public"])) if box else None)


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

def _seal_epoch(ws, keys: dict[str, bytes], epoch: int, before: dict | None) -> dict:
    sealed = dict(before or {})
    for tier, key in keys.items():
        wrapped = ws.seal_team_secret(LOCAL_KEY[tier], key, f"{tier}/{epoch}")
        if wrapped is not None:
            sealed[tier] = wrapped
    return sealed


def store_keys(ws, keys: TeamKeys, before: dict | None = None) -> dict:
    """The sealed form kept in the team block: each key under the local key of its tier
    (earlier epochs too, under `older`). Keys this profile cannot seal (not its tier) are
    kept as `before` held them."""
    before = before or {}
    same = before.get("epoch") == keys.epoch
    out = {"epoch": keys.epoch,
           "sealed": _seal_epoch(ws, keys.keys, keys.epoch, before.get("sealed") if same
                                 else None)}
    older = dict(before.get("older", {}))
    if before.get("sealed") and not same:
        older[str(before["epoch"])] = before["sealed"]
    for epoch, held in keys.older.items():
        older[str(epoch)] = _seal_epoch(ws, held, epoch, older.get(str(epoch)))
    if older:
        out["older"] = older
    if before.get("device"):
        out["device"] = before["device"]
    return out


def store_dropbox(ws, block: dict, dropbox: tuple[int, bytes] | None) -> None:
    """Keep the team drop box's public half in the team block, sealed under the workspace
    key (so an edit of workspace.json cannot swap it for a key someone else holds).
    `Workspace.seal_for_safeguarding` seals a flag's contents to it. An older epoch's key
    never replaces a newer one."""
    if dropbox is None:
        return
    epoch, public = dropbox
    held = block.get("dropbox")
    if held and int(held["epoch"]) >= epoch:
        return
    sealed = ws.seal_team_secret("wk", public, f"dropbox/{epoch}")
    if sealed is not None:
        block["dropbox"] = {"epoch": epoch, "sealed": sealed}


def _open_epoch(ws, sealed: dict, epoch: int) -> dict[str, bytes]:
    out = {}
    for tier, wrapped in sealed.items():
        key = ws.open_team_secret(LOCAL_KEY[tier], wrapped, f"{tier}/{epoch}")
        if key is not None:
            out[tier] = key
    return out


def load_keys(ws, block: dict) -> TeamKeys:
    """The team keys this profile can open from the team block."""
    stored = block["keys"]
    older = {int(e): _open_epoch(ws, sealed, int(e))
             for e, sealed in stored.get("older", {}).items()}
    return TeamKeys(int(stored["epoch"]), _open_epoch(ws, stored["sealed"],
                                                      int(stored["epoch"])),
                    {e: k for e, k in older.items() if k})


# --- this laptop's device key (rotations are granted to it) ----------------------------------

def new_device_key(ws, signing: bytes | None = None, invite: str | None = None
                   ) -> tuple[dict, bytes]:
    """(what the team block keeps, the public key): the X25519 private key and the Ed25519
    signing seed (from the invitation; a new one for the team's first laptop) sealed together
    under the volunteer store key, which every profile on the laptop holds."""
    from steward.team import trust

    public, private = crypto.new_dropbox_keypair()
    signing = signing or trust.new_seed()
    return {"public": crypto.b64(public), "sign": trust.public_of(signing), "invite": invite,
            "sealed": ws.seal_team_secret("vk", private + signing, "device")}, public


def _device_secret(ws, block: dict) -> bytes | None:
    held = block["keys"].get("device")
    if not held or not held.get("sealed"):
        return None
    return ws.open_team_secret("vk", held["sealed"], "device")


def device_private(ws, block: dict) -> bytes | None:
    secret = _device_secret(ws, block)
    return None if secret is None else secret[:32]


def device_signing(ws, block: dict) -> bytes | None:
    """This laptop's Ed25519 signing seed (None: a laptop joined before laptops signed)."""
    secret = _device_secret(ws, block)
    return secret[32:] if secret is not None and len(secret) == 64 else None


# --- invitations -------------------------------------------------------------------------------

def new_code() -> str:
    """A one-time invitation code, given to the person separately from the file."""
    raw = secrets.token_hex(10).upper()
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


def _code_key(code: str, salt: bytes) -> bytes:
    return crypto.recovery_kek(code.replace("-", "").replace(" ", "").upper(), salt)


def make_invitation(team: dict, keys: TeamKeys, role: str, name: str, invite_id: str,
                    code: str, signing: bytes, signers: dict) -> dict:
    """An invitation: what `role` may hold, the invited laptop's signing key and the signing
    keys the inviting laptop trusts (`signers`), sealed under the one-time code."""
    missing = [t for t in ROLE_TIERS[role] if keys.key(t) is None]
    if missing:
        raise StewardError(f"this profile does not hold the team's {', '.join(missing)} key, "
                           f"so it cannot invite a {role}")
    salt = os.urandom(16)
    payload = {"keys": {t: crypto.b64(keys.key(t)) for t in ROLE_TIERS[role]},
               "epoch": keys.epoch, "origin": team["origin"],
               "older": {str(e): {t: crypto.b64(k[t]) for t in ROLE_TIERS[role] if t in k}
                         for e, k in keys.older.items()},
               "signing": crypto.b64(signing), "signers": signers}
    box = dropbox_for(keys, ROLE_TIERS[role])
    if box is not None:
        payload["dropbox"] = box
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
    """The team keys inside and the rest of what it holds (the team's first laptop, the
    signing keys), with the code; a wrong code or an edited file is one error."""
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
    older = {int(e): {t: crypto.unb64(v) for t, v in held.items()}
             for e, held in payload.get("older", {}).items()}
    box = payload.get("dropbox")
    return TeamKeys(int(payload["epoch"]), keys, older,
                    (int(box["epoch"]), crypto.unb64(box["public"])) if box else None
                    ), payload
